package io.solstice.reactive.callbacks;

import io.solstice.core.Checkpointable;
import io.solstice.core.Mode;
import io.solstice.core.NamedArrays;
import io.solstice.core.RunOutcome;
import io.solstice.core.RunPosition;
import io.solstice.core.checkpoint.CheckpointException;
import io.solstice.core.checkpoint.CheckpointManifest;
import io.solstice.core.checkpoint.CheckpointStore;
import io.solstice.core.checkpoint.Checkpoints;
import io.solstice.core.checkpoint.Resumed;
import io.solstice.core.checkpoint.StatefulCallback;
import io.solstice.reactive.RunControl;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.callbacks.internal.Retention;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A synchronous subscriber that writes checkpoints of a {@link Checkpointable} experiment into
 * a {@link CheckpointStore} directory. It accepts any run whose experiment is {@link
 * Checkpointable} (checked when the run starts), so it needs no type arguments:
 *
 * <pre>{@code
 * CheckpointCallback checkpoints = CheckpointCallback.builder(dir).everyEpochs(1).build();
 * Resumed<MyExperiment> resumed = checkpoints.resume(new MyExperiment(seed));
 * Solstice.run(resumed.experiment()).train(t).validate(v).epochs(10)
 *     .resumeFrom(resumed.position())
 *     .subscribers(checkpoints)
 *     .block();
 * }</pre>
 *
 * <p><b>When.</b> Any combination of: every N train steps (due at the step's {@code
 * StepEnded}), every N epochs, every T of wall time (checked at each train {@code StepEnded},
 * with an injectable clock), and at the end of the run. A step or time checkpoint is written at
 * the event after its step's {@code StepEnded}, so every subscriber has handled the step; when
 * that event starts a validation (a step cadence), after the event that follows the
 * validation's {@code ValidationEnded}, at the validation's end position, so a run resumed from
 * it does not skip that validation. An epoch checkpoint belongs to the complete
 * epoch, its validation included, and resumes at the start of the next epoch: it is written at
 * the first event after the event that completed the epoch (the train {@code EpochEnded}, or
 * the {@code ValidationEnded} when a validation was due), that is the next {@code
 * EpochStarted} or {@code RunEnded}, so every subscriber has handled the epoch's end and the
 * saved states include it. A step or time checkpoint resumes mid-epoch. A run that ends with
 * {@link RunOutcome.Status#FAILED} gets no end checkpoint: its last experiment may be
 * half-updated. Two checkpoints at the same position are written once.
 *
 * <p><b>Positions</b> come from the events: a checkpoint stores the {@link RunPosition} carried
 * by the event that completed what it resumes after ({@code StepEnded}, {@code EpochEnded},
 * {@code ValidationEnded}, {@code RunEnded}), the position a run resumed from it must start at.
 *
 * <p><b>What.</b> The experiment's {@link Checkpointable#state()}, the position with the
 * engine's state there ({@link RunControl#withEngineState}: the epoch's running train metrics,
 * the prequential figures), the source position from the supplier given to the builder, the
 * state of every registered {@link StatefulCallback} (taken when the checkpoint is written),
 * the latest merged metrics of each mode (the values carried by the last {@code EpochEnded} of
 * each mode that ran a step, keyed {@code <mode>/<metric>}, for example {@code val/loss}; in
 * the monitored mode, of the last one that ran to its end), and the run's record given to
 * {@link Builder#runRecord} (its resolved configuration).
 *
 * <p><b>Which are kept.</b> The newest {@code keepLast} (default 3) plus the {@code keepBest}
 * with the best value of the monitored metric, ranked by a {@link Monitor} (the metric the
 * engine merged over each whole epoch of the monitored mode, VAL by default; a checkpoint
 * records the latest such value). An epoch that a stop cut short ({@link
 * TrainingEvent.EpochEnded#complete()} false, for example a validation stopped half-way) merged
 * only part of its data: in the monitored mode its values are not recorded, so no checkpoint is
 * ranked by them. Older files are deleted only after a new one is complete.
 *
 * <p><b>Announced.</b> Each checkpoint written during the run is announced with {@link
 * RunControl#checkpointWritten}, so a {@link TrainingEvent.CheckpointWritten} follows the event
 * during which it was written (for a background write, the first event after the write
 * completed). Checkpoints written while the run ends (at {@code RunEnded}, which is the last
 * event of a run) are not announced.
 *
 * <p><b>Threads.</b> By default a checkpoint is written on the training thread while the event
 * is handled. With {@link Builder#inBackground(int)} the training thread only takes a snapshot
 * ({@code state().copy()}, so it is consistent) and a single writer thread writes it; the
 * training thread waits only when {@code maxPending} snapshots are already queued, which bounds
 * memory. A background write that fails fails the run at the next event. At {@code RunEnded}
 * every pending write is awaited ({@link #awaitWrites()}).
 *
 * <p>One instance serves one run at a time (it refuses a second run that starts while one is
 * in progress) and may serve several runs one after the other.
 *
 * <p><b>Resume.</b> {@link #resume(Checkpointable)} restores the experiment and the registered
 * stateful callbacks from this callback's directory; the next run that starts at the restored
 * position continues from it (it does not write that position again).
 */
public final class CheckpointCallback implements TrainingSubscriber<Object, Object> {

  private static final Logger LOG = LoggerFactory.getLogger("solstice");

  private final CheckpointStore store;
  private final long everySteps;
  private final int everyEpochs;
  private final Duration every;
  private final boolean atEnd;
  private final Retention retention;
  private final Monitor monitor;
  private final InstantSource clock;
  private final Supplier<Map<String, Object>> sourcePosition;
  private final Map<String, StatefulCallback> stateful;
  private final boolean inBackground;
  private final Map<String, Object> runRecord;
  private final Semaphore pendingWrites;
  private final AtomicReference<Throwable> backgroundError = new AtomicReference<>();
  // Background writes that completed and are not announced yet.
  private final Queue<Written> completed = new ConcurrentLinkedQueue<>();
  private final List<Path> written = new ArrayList<>();
  private ExecutorService writer;

  // The run being served and where it stands (training thread only).
  private volatile RunControl activeRun;
  private RunPosition position = RunPosition.START;
  private RunPosition lastSaved;
  private Instant lastSaveTime;
  // The latest merged metrics of each mode's whole epochs, keyed <mode>/<metric>; the monitored
  // one among them.
  private final Map<String, Double> latestMetrics = new LinkedHashMap<>();
  // An every-N-epochs checkpoint is due for the current train epoch; and once the epoch is
  // complete, the position to write it at, at the next event.
  private boolean epochCheckpointDue;
  private RunPosition completedEpoch;
  // A step or time checkpoint due at a train step, written at the next event unless that event
  // starts a validation, which then runs first (see StepSave).
  private StepSave stepSave;
  private ResumePoint resumed;

  /**
   * A step or time checkpoint waiting for the events of its step to be over. A validation due
   * after the step (a step cadence) belongs to it: written before it, the checkpoint would
   * resume past a validation that never ran. So it waits for the validation's end and takes
   * that position, and is written at the event after it, once every subscriber (early stopping
   * among them) has handled the validation.
   *
   * @param position where the checkpoint resumes
   * @param trigger "step" or "time"
   * @param phase where the step's events stand
   * @param dueAt when it became due, where the next time interval counts from
   */
  private record StepSave(RunPosition position, String trigger, Phase phase, Instant dueAt) {
    enum Phase {
      AFTER_STEP,
      IN_VALIDATION,
      AFTER_VALIDATION
    }

    StepSave to(Phase next, RunPosition at) {
      return new StepSave(at, trigger, next, dueAt);
    }
  }

  /** A checkpoint that was written, for its announcement. */
  private record Written(Path file, RunPosition position) {}

  /** What {@link #resume} restored, for the run that starts there. */
  private record ResumePoint(RunPosition position, Map<String, Double> metrics) {}

  private CheckpointCallback(Builder builder) {
    this.store = CheckpointStore.open(builder.directory);
    this.everySteps = builder.everySteps;
    this.everyEpochs = builder.everyEpochs;
    this.every = builder.every;
    this.atEnd = builder.atEnd;
    this.monitor = builder.monitor;
    this.retention = new Retention(builder.keepLast, builder.keepBest, builder.monitor);
    this.clock = builder.clock;
    this.sourcePosition = builder.sourcePosition;
    this.stateful = new LinkedHashMap<>(builder.stateful);
    this.inBackground = builder.maxPending > 0;
    this.runRecord = builder.runRecord;
    this.pendingWrites = inBackground ? new Semaphore(builder.maxPending) : null;
  }

  /**
   * A builder writing into the given directory (created if needed).
   *
   * @param directory the checkpoint directory
   * @return the builder
   */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  /**
   * The store this callback writes to.
   *
   * @return the store
   */
  public CheckpointStore store() {
    return store;
  }

  /**
   * The checkpoint files this callback has written (some may have been deleted by retention
   * since), oldest first. Complete only after pending background writes finished.
   *
   * @return the files
   */
  public synchronized List<Path> written() {
    return List.copyOf(written);
  }

  /**
   * Restores the latest complete checkpoint of this callback's directory into {@code fresh} and
   * restores every registered stateful callback. The next run that starts at the returned
   * position ({@code Run.resumeFrom(resumed.position())}) continues from there. Starts fresh
   * when the directory holds no complete checkpoint.
   *
   * @param fresh a freshly built experiment
   * @param <E> the experiment type
   * @return the experiment and position to give the run
   * @throws CheckpointException when the latest checkpoint does not fit the experiment
   */
  public <E extends Checkpointable<E>> Resumed<E> resume(E fresh) {
    Resumed<E> restored = Checkpoints.resumeOrStart(store.directory(), fresh, stateful);
    resumed = restored.restoredFrom()
        .map(checkpoint -> new ResumePoint(restored.position(), restoredMetrics(checkpoint.manifest())))
        .orElse(null);
    return restored;
  }

  /**
   * Writes a checkpoint now, at the position carried by the latest event of the run in
   * progress that this callback handled and that has one ({@code RunStarted}, {@code
   * StepEnded}, {@code EpochEnded}, {@code ValidationEnded}). Call it from a synchronous
   * subscriber of that run (on the training thread) registered after this callback, so that
   * the position is the current event's; it is announced like the others.
   *
   * @param experiment the current experiment
   * @throws IllegalStateException when no run is in progress
   */
  public void saveNow(Checkpointable<?> experiment) {
    RunControl run = activeRun;
    if (run == null) {
      throw new IllegalStateException("saveNow writes at the position of a run in progress, "
          + "but this CheckpointCallback serves none; call it from a subscriber of the run");
    }
    save(run, experiment, position, "manual", true);
  }

  @Override
  public void onEvent(TrainingEvent<Object, Object> event) {
    if (event instanceof TrainingEvent.RunStarted<Object, Object> started) {
      start(started);
      return;
    }
    RunControl run = event.run();
    if (run != activeRun) {
      return; // a run this callback refused to serve
    }
    if (event instanceof TrainingEvent.RunEnded<Object, Object> ended) {
      end(ended);
      return;
    }
    rethrowBackgroundError();
    announceCompletedWrites(run);
    advanceStepSave(run, event);
    if (completedEpoch != null) {
      save(run, event.experiment(), completedEpoch, "epoch", true);
      completedEpoch = null;
    }
    if (event instanceof TrainingEvent.StepEnded<Object, Object> step) {
      position = step.position();
      if (step.mode() == Mode.TRAIN) {
        stepEnded(step);
      }
    } else if (event instanceof TrainingEvent.EpochEnded<Object, Object> end) {
      position = end.position();
      epochEnded(end);
    } else if (event instanceof TrainingEvent.ValidationEnded<Object, Object> validation) {
      position = validation.position();
      if (isComplete(validation.epoch(), validation.position()) && epochCheckpointDue) {
        completedEpoch = validation.position();
        epochCheckpointDue = false;
      }
    }
  }

  private void start(TrainingEvent.RunStarted<Object, Object> started) {
    RunControl busy = activeRun;
    if (busy != null && busy != started.run()) {
      throw new IllegalStateException("this CheckpointCallback is writing the checkpoints of "
          + busy + " into " + store.directory() + "; it serves one run at a time: build one "
          + "for each concurrent run, each with its own directory");
    }
    checkpointable(started.experiment());
    position = started.position();
    lastSaveTime = clock.instant();
    epochCheckpointDue = false;
    completedEpoch = null;
    stepSave = null;
    ResumePoint from = resumed;
    resumed = null;
    if (from != null && from.position().equals(started.position())) {
      lastSaved = from.position();
      latestMetrics.clear();
      latestMetrics.putAll(from.metrics());
    } else {
      if (from != null) {
        LOG.warn("CheckpointCallback.resume restored the position {} but the run starts at {}; "
            + "give the run resumeFrom(resumed.position()) to continue from the checkpoint",
            from.position(), started.position());
      }
      lastSaved = null;
      latestMetrics.clear();
    }
    activeRun = started.run();
  }

  private void stepEnded(TrainingEvent.StepEnded<Object, Object> step) {
    if (everySteps > 0 && step.position().trainSteps() % everySteps == 0) {
      stepSave = new StepSave(step.position(), "step", StepSave.Phase.AFTER_STEP, clock.instant());
    } else if (every != null
        && Duration.between(lastSaveTime, clock.instant()).compareTo(every) >= 0) {
      stepSave = new StepSave(step.position(), "time", StepSave.Phase.AFTER_STEP, clock.instant());
    }
  }

  /** Moves a waiting step or time checkpoint on with an event of the run, writing it when due. */
  private void advanceStepSave(RunControl run, TrainingEvent<Object, Object> event) {
    StepSave due = stepSave;
    if (due == null) {
      return;
    }
    switch (due.phase()) {
      case AFTER_STEP -> {
        if (event instanceof TrainingEvent.EpochStarted<Object, Object> started
            && started.mode() == Mode.VAL) {
          stepSave = due.to(StepSave.Phase.IN_VALIDATION, due.position());
        } else {
          write(run, event.experiment(), due);
        }
      }
      case IN_VALIDATION -> {
        if (event instanceof TrainingEvent.ValidationEnded<Object, Object> validation) {
          stepSave = due.to(StepSave.Phase.AFTER_VALIDATION, validation.position());
        }
      }
      case AFTER_VALIDATION -> write(run, event.experiment(), due);
    }
  }

  private void write(RunControl run, Object experiment, StepSave due) {
    stepSave = null;
    save(run, experiment, due.position(), due.trigger(), true);
    lastSaveTime = due.dueAt();
  }

  private void epochEnded(TrainingEvent.EpochEnded<Object, Object> end) {
    if (monitor != null) {
      monitor.valueOf(end); // fails the run with a clear message when the metric is missing
    }
    // A cut-short epoch's values cover part of its data: in the monitored mode they could rank a
    // checkpoint as the best on a partial validation. Elsewhere they are what ran (an online run's
    // one train epoch always ends with a stop), so they are kept.
    boolean ranked = monitor != null && end.mode() == monitor.mode();
    if (end.steps() > 0 && (end.complete() || !ranked)) {
      end.values().forEach((key, value) -> latestMetrics.put(CheckpointManifest.metricKey(end.mode(), key), value));
    }
    if (end.mode() != Mode.TRAIN) {
      return;
    }
    if (everyEpochs > 0 && (end.epoch() + 1) % everyEpochs == 0) {
      epochCheckpointDue = true;
    }
    if (epochCheckpointDue && isComplete(end.epoch(), end.position())) {
      completedEpoch = end.position();
      epochCheckpointDue = false;
    }
  }

  // The engine moves the position to the next epoch once the train epoch and its due
  // validation are complete.
  private static boolean isComplete(int epoch, RunPosition position) {
    return position.epoch() > epoch && position.batchesIntoEpoch() == 0;
  }

  private void end(TrainingEvent.RunEnded<Object, Object> ended) {
    try {
      StepSave due = stepSave;
      boolean failed = ended.outcome().status() == RunOutcome.Status.FAILED;
      // A step's own checkpoint stands whatever came after it; one that waited for a validation
      // is written only if that validation ended and the run did not fail after it.
      if (due != null && (due.phase() == StepSave.Phase.AFTER_STEP
          || due.phase() == StepSave.Phase.AFTER_VALIDATION && !failed)) {
        save(ended.run(), ended.experiment(), due.position(), due.trigger(), false);
      }
      if (!failed) {
        if (completedEpoch != null) {
          save(ended.run(), ended.experiment(), completedEpoch, "epoch", false);
        }
        if (atEnd || epochCheckpointDue) {
          save(ended.run(), ended.experiment(), ended.position(), "end", false);
        }
      }
    } finally {
      activeRun = null;
      completedEpoch = null;
      stepSave = null;
      epochCheckpointDue = false;
      awaitWrites();
      completed.clear(); // RunEnded is the last event: nothing can be announced any more
    }
  }

  /**
   * Waits until every background write has finished and rethrows a failed one. Called when the
   * run ends; a no-op when writing on the training thread.
   *
   * @throws CheckpointException when a background write failed
   */
  public void awaitWrites() {
    ExecutorService pending;
    synchronized (this) {
      pending = writer;
      writer = null;
    }
    if (pending != null) {
      pending.shutdown();
      try {
        if (!pending.awaitTermination(10, TimeUnit.MINUTES)) {
          throw new CheckpointException("checkpoint writes did not finish within 10 minutes");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CheckpointException("interrupted while waiting for checkpoint writes", e);
      }
    }
    rethrowBackgroundError();
  }

  private void save(
      RunControl run, Object experiment, RunPosition at, String trigger, boolean announce) {
    if (at.equals(lastSaved)) {
      return;
    }
    Checkpointable<?> checkpointable = checkpointable(experiment);
    Map<String, Map<String, Object>> states = new LinkedHashMap<>();
    stateful.forEach((name, callback) -> states.put(name, callback.saveState()));
    CheckpointManifest manifest =
        CheckpointManifest.at(run.withEngineState(at))
            .withTrigger(trigger)
            .withExperimentType(experiment.getClass().getName())
            .withSourcePosition(sourcePosition.get())
            .withCallbackStates(states)
            .withMetrics(latestMetrics)
            .withRun(runRecord);
    lastSaved = at;
    lastSaveTime = clock.instant();
    if (!inBackground) {
      Path file = writeAndRetain(checkpointable.state(), manifest);
      if (announce) {
        run.checkpointWritten(file, at);
      }
      return;
    }
    NamedArrays snapshot = checkpointable.state().copy();
    try {
      pendingWrites.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      snapshot.asMap().values().forEach(INDArray::close);
      throw new CheckpointException("interrupted while waiting to queue a checkpoint", e);
    }
    writer().execute(() -> {
      try {
        Path file = writeAndRetain(snapshot, manifest);
        if (announce) {
          completed.add(new Written(file, at));
        }
      } catch (Throwable t) {
        backgroundError.compareAndSet(null, t);
      } finally {
        snapshot.asMap().values().forEach(INDArray::close);
        pendingWrites.release();
      }
    });
  }

  private synchronized ExecutorService writer() {
    if (writer == null) {
      writer = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "solstice-checkpoint-writer");
        thread.setDaemon(true);
        return thread;
      });
    }
    return writer;
  }

  private void announceCompletedWrites(RunControl run) {
    for (Written done = completed.poll(); done != null; done = completed.poll()) {
      run.checkpointWritten(done.file(), done.position());
    }
  }

  private Checkpointable<?> checkpointable(Object experiment) {
    if (experiment instanceof Checkpointable<?> checkpointable) {
      return checkpointable;
    }
    throw new IllegalStateException("CheckpointCallback needs an experiment that implements "
        + "io.solstice.core.Checkpointable, but " + experiment.getClass().getName()
        + " does not");
  }

  private Path writeAndRetain(NamedArrays state, CheckpointManifest manifest) {
    Path file = store.write(state, manifest);
    synchronized (this) {
      written.add(file);
    }
    List<Retention.Candidate> candidates = new ArrayList<>();
    for (Path existing : store.list()) {
      double value = Double.NaN;
      if (retention.keepBest() > 0) {
        try {
          value = monitoredValue(CheckpointStore.readManifest(existing).metrics());
        } catch (CheckpointException unreadable) {
          value = Double.NaN; // an unreadable checkpoint is never among the best
        }
      }
      candidates.add(new Retention.Candidate(existing, value));
    }
    retention.toDelete(candidates).forEach(store::delete);
    return file;
  }

  /** The monitored value a checkpoint recorded, or NaN. */
  private double monitoredValue(Map<String, Double> metrics) {
    Double value = metrics.get(CheckpointManifest.metricKey(monitor.mode(), monitor.key()));
    if (value == null) {
      value = metrics.get(monitor.key()); // written before metrics were keyed by mode
    }
    return value == null ? Double.NaN : value;
  }

  /** The latest metrics a checkpoint recorded, the monitored one under its current key. */
  private Map<String, Double> restoredMetrics(CheckpointManifest manifest) {
    Map<String, Double> metrics = new LinkedHashMap<>(manifest.metrics());
    if (monitor != null) {
      double value = monitoredValue(metrics);
      metrics.remove(monitor.key());
      if (!Double.isNaN(value)) {
        metrics.put(CheckpointManifest.metricKey(monitor.mode(), monitor.key()), value);
      }
    }
    return metrics;
  }

  private void rethrowBackgroundError() {
    Throwable error = backgroundError.getAndSet(null);
    if (error != null) {
      throw new CheckpointException(
          "a background checkpoint write failed: " + error.getMessage(), error);
    }
  }

  @Override
  public String toString() {
    return "CheckpointCallback into " + store.directory();
  }

  /** Configures a {@link CheckpointCallback}. */
  public static final class Builder {
    private final Path directory;
    private long everySteps;
    private int everyEpochs;
    private Duration every;
    private boolean atEnd = true;
    private int keepLast = 3;
    private int keepBest;
    private Monitor monitor;
    private InstantSource clock = InstantSource.system();
    private Supplier<Map<String, Object>> sourcePosition = Map::of;
    private Map<String, Object> runRecord = Map.of();
    private final Map<String, StatefulCallback> stateful = new LinkedHashMap<>();
    private int maxPending;

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
    }

    /**
     * Writes a checkpoint after every {@code n}-th train step (steps {@code n-1}, {@code 2n-1},
     * ... by their 0-based number, counted over the whole run).
     *
     * @param n the interval in train steps (> 0)
     * @return this builder
     */
    public Builder everySteps(long n) {
      this.everySteps = positive(n, "everySteps");
      return this;
    }

    /**
     * Writes a checkpoint after every {@code n}-th epoch, including its validation.
     *
     * @param n the interval in epochs (> 0)
     * @return this builder
     */
    public Builder everyEpochs(int n) {
      this.everyEpochs = (int) positive(n, "everyEpochs");
      return this;
    }

    /**
     * Writes a checkpoint after the first train step that ends at least {@code interval} after
     * the previous checkpoint (or the start of the run).
     *
     * @param interval the wall-time interval
     * @return this builder
     */
    public Builder every(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("checkpoint interval must be positive, was " + interval);
      }
      this.every = interval;
      return this;
    }

    /**
     * Whether to write a checkpoint when the run ends (default true).
     *
     * @param enabled true to write one
     * @return this builder
     */
    public Builder atEnd(boolean enabled) {
      this.atEnd = enabled;
      return this;
    }

    /**
     * How many of the newest checkpoints to keep (default 3).
     *
     * @param n at least 1; {@code Integer.MAX_VALUE} keeps all
     * @return this builder
     */
    public Builder keepLast(int n) {
      this.keepLast = n;
      return this;
    }

    /**
     * Also keeps the {@code k} checkpoints with the best value of a metric, as merged by the
     * engine over each whole epoch of {@code mode} (usually VAL) from step outputs that are
     * {@link io.solstice.core.metrics.Metrics}.
     *
     * @param k how many of the best to keep
     * @param metricKey the key in the metrics' computed values, for example {@code loss}
     * @param mode the mode whose epochs are measured
     * @param direction whether smaller or larger is better
     * @return this builder
     */
    public Builder keepBest(int k, String metricKey, Mode mode, Direction direction) {
      this.keepBest = k;
      this.monitor = new Monitor(metricKey, mode, direction, 0, Double.NaN);
      return this;
    }

    /**
     * The clock for the time trigger (tests inject a manual one).
     *
     * @param source the clock
     * @return this builder
     */
    public Builder clock(InstantSource source) {
      this.clock = Objects.requireNonNull(source, "clock");
      return this;
    }

    /**
     * The run's record, stored in every manifest as {@code run}: its resolved configuration
     * (options, model sizes, optimizer, seed, library version), so a checkpoint says how it was
     * made. Values must be JSON-compatible; the order is kept.
     *
     * @param record the record
     * @return this builder
     */
    public Builder runRecord(Map<String, Object> record) {
      this.runRecord = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(record, "record")));
      return this;
    }

    /**
     * Where the data source stands, asked for at each checkpoint on the training thread and
     * stored in the manifest (for example {@code {"file": "part-3.arrow", "batch": 120}} or
     * Kafka offsets). Values must be JSON-compatible.
     *
     * @param supplier the source position
     * @return this builder
     */
    public Builder sourcePosition(Supplier<Map<String, Object>> supplier) {
      this.sourcePosition = Objects.requireNonNull(supplier, "sourcePosition");
      return this;
    }

    /**
     * Saves a subscriber's state in every checkpoint under a name, and restores it on resume.
     * The state is taken when the checkpoint is written: register this callback after the
     * subscribers whose state it saves, so that they have handled the event first (epoch
     * checkpoints are written one event later and include the epoch's end in any order).
     *
     * @param name a name unique in this run, for example {@code early_stopping}
     * @param callback the stateful subscriber or callback
     * @return this builder
     */
    public Builder saveStateOf(String name, StatefulCallback callback) {
      if (stateful.putIfAbsent(Objects.requireNonNull(name, "name"),
          Objects.requireNonNull(callback, "callback")) != null) {
        throw new IllegalArgumentException(
            "a callback state named '" + name + "' is already registered");
      }
      return this;
    }

    /**
     * Writes on a background thread from snapshots taken on the training thread.
     *
     * @param maxPending how many snapshots may wait to be written before the training thread
     *     waits (>= 1); each holds a full copy of the state
     * @return this builder
     */
    public Builder inBackground(int maxPending) {
      this.maxPending = (int) positive(maxPending, "maxPending");
      return this;
    }

    /**
     * Builds the subscriber (and opens its directory).
     *
     * @return the subscriber
     */
    public CheckpointCallback build() {
      return new CheckpointCallback(this);
    }

    private static long positive(long n, String what) {
      if (n <= 0) {
        throw new IllegalArgumentException(what + " must be > 0, was " + n);
      }
      return n;
    }
  }
}
