package io.solstice.reactive.callbacks;

import io.solstice.core.Callback;
import io.solstice.core.Checkpointable;
import io.solstice.core.Mode;
import io.solstice.core.NamedArrays;
import io.solstice.core.RunOutcome;
import io.solstice.core.RunPosition;
import io.solstice.reactive.callbacks.Direction;
import io.solstice.core.checkpoint.StatefulCallback;
import io.solstice.reactive.callbacks.internal.MetricsAccumulator;
import io.solstice.reactive.callbacks.internal.PositionTracker;
import io.solstice.reactive.callbacks.internal.Retention;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes checkpoints of a {@link Checkpointable} experiment during a run, into a {@link
 * CheckpointStore} directory.
 *
 * <p><b>When.</b> Any combination of: every N train steps (after the step's end hook), every N
 * epochs, every T of wall time (checked after each train step, with an injectable clock), and
 * at the end of the run. An epoch checkpoint is written when the next train epoch starts (or
 * the run ends), so it includes that epoch's validation and resumes at the start of the next
 * epoch. A step or time checkpoint resumes mid-epoch. A run that ends with {@link
 * RunOutcome.Status#FAILED} gets no end checkpoint: its last experiment may be half-updated.
 * Two checkpoints at the same position are written once.
 *
 * <p><b>What.</b> The experiment's {@link Checkpointable#state()}, the {@link RunPosition}, the
 * source position from the supplier given to the builder, the state of every registered
 * {@link StatefulCallback}, and the last monitored metric value.
 *
 * <p><b>Which are kept.</b> The newest {@code keepLast} (default 3) plus the {@code keepBest}
 * with the best value of the monitored metric (the metric computed over each whole epoch of the
 * monitored mode, VAL by default; a checkpoint records the latest such value).
 *
 * <p><b>Threads.</b> By default a checkpoint is written on the training thread inside the hook.
 * With {@link Builder#inBackground(int)} the hook only takes a snapshot ({@code
 * state().copy()}, on the training thread, so it is consistent) and a single writer thread
 * writes it; the training thread waits only when {@code maxPending} snapshots are already
 * queued, which bounds memory. A background write that fails is rethrown from the next hook.
 * {@link #onRunEnd} waits for every pending write.
 *
 * <p>Use one instance per run: {@link #onRunEnd} stops the background writer.
 *
 * <p><b>Resume.</b> {@link #resume(Checkpointable)} restores the experiment and the registered
 * callbacks from this callback's directory and sets this callback to continue counting from
 * the restored position.
 *
 * @param <E> the experiment type
 * @param <B> the batch type
 * @param <O> the step-output type (a {@link io.solstice.core.metrics.Metrics} when a metric is
 *     monitored)
 */
public final class CheckpointCallback<E extends Checkpointable<E>, B, O> implements Callback<E, B, O> {

  private final CheckpointStore store;
  private final long everySteps;
  private final int everyEpochs;
  private final Duration every;
  private final boolean atEnd;
  private final Retention retention;
  private final String monitorKey;
  private final Mode monitorMode;
  private final InstantSource clock;
  private final Supplier<Map<String, Object>> sourcePosition;
  private final Map<String, StatefulCallback> stateful;
  private final ExecutorService writer;
  private final Semaphore pendingWrites;
  private final AtomicReference<Throwable> backgroundError = new AtomicReference<>();

  private final PositionTracker tracker = new PositionTracker();
  private final MetricsAccumulator monitored = new MetricsAccumulator("CheckpointCallback");
  private double lastMonitoredValue = Double.NaN;
  private boolean epochCheckpointDue;
  private RunPosition lastSaved;
  private Instant lastSaveTime;
  private final List<Path> written = new ArrayList<>();

  private CheckpointCallback(Builder<E, B, O> builder) {
    this.store = CheckpointStore.open(builder.directory);
    this.everySteps = builder.everySteps;
    this.everyEpochs = builder.everyEpochs;
    this.every = builder.every;
    this.atEnd = builder.atEnd;
    this.retention = new Retention(builder.keepLast, builder.keepBest, builder.direction);
    this.monitorKey = builder.monitorKey;
    this.monitorMode = builder.monitorMode;
    this.clock = builder.clock;
    this.sourcePosition = builder.sourcePosition;
    this.stateful = new LinkedHashMap<>(builder.stateful);
    if (builder.maxPending > 0) {
      this.writer =
          Executors.newSingleThreadExecutor(
              task -> {
                Thread thread = new Thread(task, "solstice-checkpoint-writer");
                thread.setDaemon(true);
                return thread;
              });
      this.pendingWrites = new Semaphore(builder.maxPending);
    } else {
      this.writer = null;
      this.pendingWrites = null;
    }
  }

  /**
   * A builder writing into the given directory (created if needed).
   *
   * @param directory the checkpoint directory
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the output type
   * @return the builder
   */
  public static <E extends Checkpointable<E>, B, O> Builder<E, B, O> builder(Path directory) {
    return new Builder<>(directory);
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
   * Restores the latest complete checkpoint of this callback's directory into {@code fresh},
   * restores every registered stateful callback, and makes this callback continue from the
   * restored position. Starts fresh when the directory holds no complete checkpoint.
   *
   * @param fresh a freshly built experiment
   * @return what to pass to the engine
   * @throws CheckpointException when the latest checkpoint does not fit the experiment
   */
  public Resumed<E> resume(E fresh) {
    Resumed<E> resumed = Checkpoints.resumeOrStart(store.directory(), fresh, stateful);
    tracker.resumeAt(resumed.position());
    lastSaved = resumed.checkpoint() == null ? null : resumed.position();
    resumed.restoredFrom().ifPresent(
        checkpoint -> lastMonitoredValue =
            monitorKey == null ? Double.NaN
                : checkpoint.manifest().metrics().getOrDefault(monitorKey, Double.NaN));
    return resumed;
  }

  /**
   * Writes a checkpoint now, at the current position (call it from the training thread, for
   * example from another callback's hook).
   *
   * @param experiment the current experiment
   */
  public void saveNow(E experiment) {
    save(experiment, "manual");
  }

  @Override
  public void onEpochStart(E experiment, int epoch, Mode mode) {
    rethrowBackgroundError();
    if (lastSaveTime == null) {
      lastSaveTime = clock.instant();
    }
    if (mode == Mode.TRAIN && epochCheckpointDue) {
      save(experiment, "epoch");
    }
    tracker.epochStarted(epoch, mode);
    if (mode == monitorMode) {
      monitored.reset();
    }
  }

  @Override
  public void onStepEnd(O outputs, E experiment, long globalStep, Mode mode, B batch) {
    rethrowBackgroundError();
    tracker.stepEnded(globalStep, mode);
    if (monitorKey != null && mode == monitorMode) {
      monitored.add(outputs);
    }
    if (mode != Mode.TRAIN) {
      return;
    }
    if (everySteps > 0 && (globalStep + 1) % everySteps == 0) {
      save(experiment, "step");
    } else if (every != null
        && lastSaveTime != null
        && Duration.between(lastSaveTime, clock.instant()).compareTo(every) >= 0) {
      save(experiment, "time");
    }
  }

  @Override
  public void onEpochEnd(E experiment, int epoch, Mode mode) {
    rethrowBackgroundError();
    if (monitorKey != null && mode == monitorMode && !monitored.isEmpty()) {
      Map<String, Double> values = monitored.compute();
      Double value = values.get(monitorKey);
      if (value == null) {
        throw new IllegalArgumentException(
            "CheckpointCallback monitors '" + monitorKey + "' but the " + mode.label()
                + " metrics hold only " + values.keySet());
      }
      lastMonitoredValue = value;
    }
    tracker.epochEnded(mode);
    if (mode == Mode.TRAIN && everyEpochs > 0 && (epoch + 1) % everyEpochs == 0) {
      epochCheckpointDue = true;
    }
  }

  @Override
  public void onRunEnd(E experiment, RunOutcome outcome) {
    try {
      if (outcome.status() == RunOutcome.Status.STOPPED_EARLY
          || outcome.status() == RunOutcome.Status.CANCELLED) {
        tracker.runStopped();
      }
      if (outcome.status() != RunOutcome.Status.FAILED && (atEnd || epochCheckpointDue)) {
        save(experiment, "end");
      }
    } finally {
      awaitWrites();
    }
  }

  /**
   * Waits until every background write has finished and stops the writer thread; rethrows a
   * failed write. Called by {@link #onRunEnd}; a no-op for synchronous writing.
   *
   * @throws CheckpointException when a background write failed
   */
  public void awaitWrites() {
    if (writer != null) {
      writer.shutdown();
      try {
        if (!writer.awaitTermination(10, TimeUnit.MINUTES)) {
          throw new CheckpointException("checkpoint writes did not finish within 10 minutes");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CheckpointException("interrupted while waiting for checkpoint writes", e);
      }
    }
    rethrowBackgroundError();
  }

  private void save(E experiment, String trigger) {
    RunPosition position = tracker.position();
    epochCheckpointDue = false;
    if (position.equals(lastSaved)) {
      return;
    }
    Map<String, Map<String, Object>> states = new LinkedHashMap<>();
    stateful.forEach((name, callback) -> states.put(name, callback.saveState()));
    Map<String, Double> metrics =
        monitorKey == null || Double.isNaN(lastMonitoredValue)
            ? Map.of()
            : Map.of(monitorKey, lastMonitoredValue);
    CheckpointManifest manifest =
        CheckpointManifest.at(position)
            .withTrigger(trigger)
            .withExperimentType(experiment.getClass().getName())
            .withSourcePosition(sourcePosition.get())
            .withCallbackStates(states)
            .withMetrics(metrics);
    lastSaved = position;
    lastSaveTime = clock.instant();
    if (writer == null) {
      writeAndRetain(experiment.state(), manifest);
      return;
    }
    if (writer.isShutdown()) {
      throw new IllegalStateException(
          "this CheckpointCallback's run has ended (its writer thread is stopped); build a new"
              + " CheckpointCallback for each run");
    }
    NamedArrays snapshot = experiment.state().copy();
    try {
      pendingWrites.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CheckpointException("interrupted while waiting to queue a checkpoint", e);
    }
    writer.execute(
        () -> {
          try {
            writeAndRetain(snapshot, manifest);
          } catch (Throwable t) {
            backgroundError.compareAndSet(null, t);
          } finally {
            snapshot.asMap().values().forEach(INDArray::close);
            pendingWrites.release();
          }
        });
  }

  private void writeAndRetain(NamedArrays state, CheckpointManifest manifest) {
    Path file = store.write(state, manifest);
    synchronized (this) {
      written.add(file);
    }
    List<Retention.Candidate> candidates = new ArrayList<>();
    for (Path existing : store.list()) {
      double value = Double.NaN;
      if (retention.keepBest() > 0 && monitorKey != null) {
        try {
          value = CheckpointStore.readManifest(existing).metrics().getOrDefault(monitorKey, Double.NaN);
        } catch (CheckpointException unreadable) {
          value = Double.NaN; // an unreadable checkpoint is never among the best
        }
      }
      candidates.add(new Retention.Candidate(existing, value));
    }
    retention.toDelete(candidates).forEach(store::delete);
  }

  private void rethrowBackgroundError() {
    Throwable error = backgroundError.getAndSet(null);
    if (error != null) {
      throw new CheckpointException("a background checkpoint write failed: " + error.getMessage(), error);
    }
  }

  /**
   * Configures a {@link CheckpointCallback}.
   *
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the output type
   */
  public static final class Builder<E extends Checkpointable<E>, B, O> {
    private final Path directory;
    private long everySteps;
    private int everyEpochs;
    private Duration every;
    private boolean atEnd = true;
    private int keepLast = 3;
    private int keepBest;
    private String monitorKey;
    private Mode monitorMode = Mode.VAL;
    private Direction direction = Direction.MIN;
    private InstantSource clock = InstantSource.system();
    private Supplier<Map<String, Object>> sourcePosition = Map::of;
    private final Map<String, StatefulCallback> stateful = new LinkedHashMap<>();
    private int maxPending;

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
    }

    /**
     * Writes a checkpoint after every {@code n}-th train step (steps {@code n-1}, {@code 2n-1},
     * ... by their 0-based number).
     *
     * @param n the interval in train steps (> 0)
     * @return this builder
     */
    public Builder<E, B, O> everySteps(long n) {
      this.everySteps = positive(n, "everySteps");
      return this;
    }

    /**
     * Writes a checkpoint after every {@code n}-th epoch, including its validation.
     *
     * @param n the interval in epochs (> 0)
     * @return this builder
     */
    public Builder<E, B, O> everyEpochs(int n) {
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
    public Builder<E, B, O> every(Duration interval) {
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
    public Builder<E, B, O> atEnd(boolean enabled) {
      this.atEnd = enabled;
      return this;
    }

    /**
     * How many of the newest checkpoints to keep (default 3).
     *
     * @param n at least 1; {@code Integer.MAX_VALUE} keeps all
     * @return this builder
     */
    public Builder<E, B, O> keepLast(int n) {
      this.keepLast = n;
      return this;
    }

    /**
     * Also keeps the {@code k} checkpoints with the best value of a metric, computed over each
     * whole epoch of {@code mode} (usually VAL) from step outputs that are {@link
     * io.solstice.core.metrics.Metrics}.
     *
     * @param k how many of the best to keep
     * @param metricKey the key in the metrics' computed values, for example {@code loss}
     * @param mode the mode whose epochs are measured
     * @param direction whether smaller or larger is better
     * @return this builder
     */
    public Builder<E, B, O> keepBest(int k, String metricKey, Mode mode, Direction direction) {
      this.keepBest = k;
      this.monitorKey = Objects.requireNonNull(metricKey, "metricKey");
      this.monitorMode = Objects.requireNonNull(mode, "mode");
      this.direction = Objects.requireNonNull(direction, "direction");
      return this;
    }

    /**
     * The clock for the time trigger (tests inject a manual one).
     *
     * @param source the clock
     * @return this builder
     */
    public Builder<E, B, O> clock(InstantSource source) {
      this.clock = Objects.requireNonNull(source, "clock");
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
    public Builder<E, B, O> sourcePosition(Supplier<Map<String, Object>> supplier) {
      this.sourcePosition = Objects.requireNonNull(supplier, "sourcePosition");
      return this;
    }

    /**
     * Saves a callback's state in every checkpoint under a name, and restores it on resume.
     *
     * @param name a name unique in this run, for example {@code early_stopping}
     * @param callback the callback
     * @return this builder
     */
    public Builder<E, B, O> saveStateOf(String name, StatefulCallback callback) {
      if (stateful.putIfAbsent(Objects.requireNonNull(name, "name"), Objects.requireNonNull(callback)) != null) {
        throw new IllegalArgumentException("a callback state named '" + name + "' is already registered");
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
    public Builder<E, B, O> inBackground(int maxPending) {
      this.maxPending = (int) positive(maxPending, "maxPending");
      return this;
    }

    /**
     * Builds the callback (and opens its directory).
     *
     * @return the callback
     */
    public CheckpointCallback<E, B, O> build() {
      return new CheckpointCallback<>(this);
    }

    private static long positive(long n, String what) {
      if (n <= 0) {
        throw new IllegalArgumentException(what + " must be > 0, was " + n);
      }
      return n;
    }
  }
}
