package io.solstice.reactive.callbacks;

import io.solstice.core.Checkpointable;
import io.solstice.core.Mode;
import io.solstice.core.NamedArrays;
import io.solstice.core.checkpoint.StateValues;
import io.solstice.core.checkpoint.StatefulCallback;
import io.solstice.core.metrics.Metrics;
import io.solstice.reactive.RunControl;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Predicate;
import org.nd4j.linalg.api.ndarray.INDArray;
import reactor.core.publisher.Flux;

/**
 * A synchronous subscriber that stops training when a monitored metric stops improving,
 * becomes NaN or infinite, diverges past a threshold, or reaches a goal; optionally it
 * remembers the best experiment. It accepts any run, so no type arguments are needed:
 *
 * <pre>{@code
 * EarlyStopping early = EarlyStopping.monitor("loss").patience(3).restoreBest(true).build();
 * MyExperiment trained = Solstice.run(exp).train(t).validate(v).epochs(50)
 *     .subscribers(early).block();
 * MyExperiment best = early.restoreBest(trained);
 * }</pre>
 *
 * <p><b>Evaluations.</b> Step outputs of the monitored mode (VAL by default) must be {@link
 * Metrics}. By default one evaluation is the monitored key of the metrics the engine merged
 * over one epoch of that mode (carried by its {@link TrainingEvent.EpochEnded}); this
 * subscriber keeps no accumulator. An epoch that a stop cut short ({@link
 * TrainingEvent.EpochEnded#complete()} false: a validation stopped by another subscriber, by
 * {@code maxTime} or by the non-finite policy) merged only part of its data and is no
 * evaluation: it changes neither the best, nor the wait, nor the best experiment. With {@link
 * Builder#everySteps(long)} an evaluation is instead the merge of a window of exactly {@code n}
 * consecutive steps of that mode ({@code window(n)} and {@code reduce(Metrics::merge)} over the
 * run's {@code StepEnded} events, across epoch boundaries; a last, shorter window is not
 * evaluated).
 *
 * <p><b>Rules</b>, checked in this order at each evaluation; each one that stops the run asks
 * it to stop ({@link RunControl#stop}) with a reason that names the metric and the value, kept
 * in {@link #stopReason()} and in the run's outcome:
 *
 * <ol>
 *   <li>the value is NaN or infinite (unless {@link Builder#stopOnNonFinite(boolean)} is off);
 *   <li>the value is past the {@linkplain Builder#divergenceThreshold divergence threshold}
 *       (above it when minimising, below it when maximising);
 *   <li>the value improves on the best so far (initially the {@linkplain Builder#baseline
 *       baseline}, if given) by more than {@code minDelta}: it becomes the best and the wait
 *       resets; once the {@linkplain Builder#stoppingThreshold stopping threshold} is reached,
 *       training stops as done;
 *   <li>otherwise the wait grows by one, and training stops when it reaches {@code patience}
 *       (default 3): {@code patience} evaluations in a row without improvement.
 * </ol>
 *
 * <p>A stop from an epoch end is an early stop from {@code EpochEnded} (nothing further runs);
 * one from a window is an early stop from {@code StepEnded} (the epoch still ends).
 *
 * <p><b>Restoring the best.</b> With {@link Builder#restoreBest(boolean)}, the experiment (which
 * must be {@link Checkpointable}) is snapshotted ({@code state().copy()}) at every improvement.
 * A subscriber cannot change what the run returns, so after the run call {@link
 * #restoreBest(Object)} with the trained experiment, or {@link #bestExperiment()}, or use
 * {@link #bestState()}. The snapshot is kept in memory only; it is not part of {@link
 * #saveState()}. So after a resume whose best evaluation came before the resume, there is no
 * snapshot until the next improvement, and {@link #restoreBest(Object)} says so instead of
 * returning the trained experiment: load the best epoch's checkpoint instead ({@link
 * CheckpointCallback.Builder#keepBest} keeps it; {@link #bestEpoch()} says which).
 *
 * <p><b>State across runs.</b> The best value, the wait and the evaluation count belong to the
 * instance, not to one run: they carry over into the next run that uses it (a resumed run
 * continues counting patience, also through {@link #restoreState}). Use one instance per
 * training, and not in two runs at the same time.
 *
 * <p>The criterion form of the original library is {@link #when(Predicate, int)}.
 */
public final class EarlyStopping implements TrainingSubscriber<Object, Object>, StatefulCallback {

  private final Monitor monitor;
  private final int patience;
  private final double divergenceThreshold;
  private final double stoppingThreshold;
  private final boolean stopOnNonFinite;
  private final boolean restoreBest;
  private final long everySteps;
  // The window mode's pipeline (one per run); null when evaluating epochs.
  private final TrainingSubscriber<Object, Object> windows;

  private long bestEvaluation = -1;
  private int bestEpoch = -1;
  private long evaluations;
  private int wait;
  private NamedArrays bestState;
  private Object lastEvaluated;
  private String stopReason;

  private EarlyStopping(Builder builder) {
    this.monitor = new Monitor(builder.key, builder.mode, builder.direction, builder.minDelta,
        builder.baseline);
    this.patience = builder.patience;
    this.divergenceThreshold = builder.divergenceThreshold;
    this.stoppingThreshold = builder.stoppingThreshold;
    this.stopOnNonFinite = builder.stopOnNonFinite;
    this.restoreBest = builder.restoreBest;
    this.everySteps = builder.everySteps;
    this.windows = everySteps > 0 ? TrainingSubscriber.flow(this::evaluateWindows) : null;
  }

  /**
   * Starts configuring early stopping on a metric key, for example {@code "loss"}.
   *
   * @param metricKey the key in the computed metrics of the monitored mode
   * @return the builder
   */
  public static Builder monitor(String metricKey) {
    return new Builder(metricKey);
  }

  /**
   * The original library's form: collects the outputs of every {@code everyNthStep}-th VAL
   * step of an epoch (steps whose number is a multiple of it) and stops the run at the end of
   * that VAL epoch when the criterion holds for the collected list. A VAL epoch that a stop cut
   * short is not put to the criterion.
   *
   * @param criterion decides from the collected outputs whether to stop
   * @param everyNthStep keep one output in n (1 keeps all)
   * @param <O> the output type
   * @return the subscriber
   */
  public static <O> TrainingSubscriber<Object, O> when(
      Predicate<List<O>> criterion, int everyNthStep) {
    return new EarlyStoppingCriterion<>(criterion, everyNthStep);
  }

  @Override
  public void onEvent(TrainingEvent<Object, Object> event) throws Exception {
    if (windows != null) {
      windows.onEvent(event);
      return;
    }
    OptionalDouble value = monitor.valueOf(event);
    if (value.isPresent() && event instanceof TrainingEvent.EpochEnded<Object, Object> end) {
      evaluate(end.run(), end.experiment(), value.getAsDouble(), end.epoch(),
          "epoch " + end.epoch());
    }
  }

  /** The window mode: exactly-n windows of the monitored mode's steps, merged by reduce. */
  private Flux<Window> evaluateWindows(Flux<TrainingEvent<Object, Object>> events) {
    return events
        .filter(event -> event instanceof TrainingEvent.StepEnded<Object, Object> step
            && step.mode() == monitor.mode())
        .map(event -> (TrainingEvent.StepEnded<Object, Object>) event)
        .window((int) everySteps) // the builder keeps it within int
        .concatMap(window -> window.reduce(Window.EMPTY, Window::add))
        .filter(window -> window.steps() == everySteps)
        .doOnNext(window -> evaluate(window.last().run(), window.last().experiment(),
            monitor.valueIn(window.merged().compute()), -1,
            "window ending at " + monitor.mode().label() + " step " + window.last().globalStep()));
  }

  /** The merge of one window of steps so far, with its last step. */
  private record Window(long steps, Metrics<?> merged, TrainingEvent.StepEnded<Object, Object> last) {
    static final Window EMPTY = new Window(0, null, null);

    @SuppressWarnings({"unchecked", "rawtypes"})
    Window add(TrainingEvent.StepEnded<Object, Object> step) {
      if (!(step.outputs() instanceof Metrics<?> metrics)) {
        throw new IllegalArgumentException("EarlyStopping needs step outputs that implement "
            + "io.solstice.core.metrics.Metrics, but got " + step.outputs().getClass().getName()
            + "; return a Metrics (for example a MetricGroup) from trainStep/evalStep");
      }
      return new Window(steps + 1,
          merged == null ? metrics : (Metrics<?>) ((Metrics) merged).merge(metrics), step);
    }
  }

  private void evaluate(RunControl run, Object experiment, double value, int epoch, String where) {
    lastEvaluated = experiment;
    long evaluation = evaluations++;
    String metric = monitor.mode().label() + " " + monitor.key();
    if (stopOnNonFinite && !Double.isFinite(value)) {
      stop(run, metric + " is " + value + " at " + where + "; stopping (best "
          + Monitor.format(monitor.best()) + ")");
      return;
    }
    if (!Double.isNaN(divergenceThreshold) && monitor.isBetter(divergenceThreshold, value)) {
      stop(run, metric + " = " + Monitor.format(value) + " at " + where
          + " is past the divergence threshold " + Monitor.format(divergenceThreshold));
      return;
    }
    if (monitor.offer(value)) {
      bestEvaluation = evaluation;
      bestEpoch = epoch;
      wait = 0;
      if (restoreBest) {
        snapshot(experiment);
      }
      if (!Double.isNaN(stoppingThreshold) && !monitor.isBetter(stoppingThreshold, value)) {
        stop(run, metric + " = " + Monitor.format(value) + " at " + where
            + " reached the stopping threshold " + Monitor.format(stoppingThreshold));
      }
      return;
    }
    wait++;
    if (wait >= patience) {
      stop(run, metric + " did not improve on " + Monitor.format(monitor.best())
          + " by more than " + Monitor.format(monitor.minDelta()) + " for " + wait
          + " evaluation(s) (patience " + patience + "), last " + Monitor.format(value) + " at "
          + where);
    }
  }

  private void snapshot(Object experiment) {
    if (!(experiment instanceof Checkpointable<?> checkpointable)) {
      throw new IllegalStateException(
          "EarlyStopping.restoreBest needs an experiment that implements Checkpointable, but "
              + experiment.getClass().getName() + " does not; implement it or turn restoreBest off");
    }
    NamedArrays previous = bestState;
    bestState = checkpointable.state().copy();
    if (previous != null) {
      previous.asMap().values().forEach(INDArray::close);
    }
  }

  private void stop(RunControl run, String reason) {
    stopReason = "early stopping: " + reason;
    run.stop(stopReason);
  }

  /**
   * The best value seen so far (the baseline or the worst value before any improvement).
   *
   * @return the best value
   */
  public double bestValue() {
    return monitor.best();
  }

  /**
   * The epoch of the best value (-1 when none, or when evaluating windows of steps).
   *
   * @return the epoch
   */
  public int bestEpoch() {
    return bestEpoch;
  }

  /**
   * Evaluations without improvement since the last one.
   *
   * @return the wait
   */
  public int waitCount() {
    return wait;
  }

  /**
   * Why this subscriber asked the run to stop, once it did.
   *
   * @return the reason
   */
  public Optional<String> stopReason() {
    return Optional.ofNullable(stopReason);
  }

  /**
   * The snapshot of the best experiment's state (with {@code restoreBest} on).
   *
   * @return the state, or empty before the first improvement (and after a resume, until the
   *     first improvement since)
   */
  public Optional<NamedArrays> bestState() {
    return Optional.ofNullable(bestState);
  }

  /**
   * The best experiment, rebuilt from the snapshot through the last experiment this subscriber
   * evaluated ({@code last.withState(bestState)}).
   *
   * @param <E> the experiment type, as the caller expects it
   * @return the best experiment, or empty when there is no snapshot (restoreBest off, no
   *     improvement seen, or the best evaluation came before a resume)
   */
  public <E> Optional<E> bestExperiment() {
    return bestState == null || lastEvaluated == null
        ? Optional.empty()
        : Optional.of(restoreBest(this.<E>lastEvaluated()));
  }

  @SuppressWarnings("unchecked") // the experiment this subscriber saw, typed as the caller says
  private <E> E lastEvaluated() {
    return (E) lastEvaluated;
  }

  /**
   * The best experiment: {@code trained.withState(bestState)}, or {@code trained} itself when
   * there is no best to go back to (restoreBest off, or no improvement seen).
   *
   * @param trained the experiment the run returned
   * @param <E> the experiment type
   * @return the best experiment
   * @throws IllegalArgumentException when there is a snapshot but {@code trained} is not
   *     {@link Checkpointable}
   * @throws IllegalStateException when the best evaluation came before this instance's state
   *     was restored and no better one came since: its snapshot was not saved, and {@code
   *     trained} is not the best
   */
  @SuppressWarnings("unchecked") // a Checkpointable<E> rebuilds an E
  public <E> E restoreBest(E trained) {
    if (bestState == null && restoreBest && bestEvaluation >= 0) {
      throw new IllegalStateException("the best " + monitor.mode().label() + " "
          + monitor.key() + " (" + Monitor.format(monitor.best()) + ", evaluation "
          + bestEvaluation + (bestEpoch >= 0 ? ", epoch " + bestEpoch : "")
          + ") came before the run resumed, and EarlyStopping keeps its snapshot in memory "
          + "only; load that evaluation's checkpoint instead (CheckpointCallback.keepBest "
          + "keeps the best)");
    }
    if (bestState == null) {
      return trained;
    }
    if (!(trained instanceof Checkpointable<?> checkpointable)) {
      throw new IllegalArgumentException(trained.getClass().getName() + " is not Checkpointable");
    }
    return (E) checkpointable.withState(bestState);
  }

  @Override
  public Map<String, Object> saveState() {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("best", monitor.best());
    state.put("bestEvaluation", bestEvaluation);
    state.put("bestEpoch", bestEpoch);
    state.put("evaluations", evaluations);
    state.put("wait", wait);
    return state;
  }

  @Override
  public void restoreState(Map<String, Object> state) {
    monitor.restoreBest(StateValues.getDouble(state, "best"));
    bestEvaluation = StateValues.getLong(state, "bestEvaluation");
    bestEpoch = (int) StateValues.getLong(state, "bestEpoch");
    evaluations = StateValues.getLong(state, "evaluations");
    wait = (int) StateValues.getLong(state, "wait");
    // A snapshot from an earlier run of this instance is not the restored best's.
    if (bestState != null) {
      bestState.asMap().values().forEach(INDArray::close);
      bestState = null;
    }
  }

  @Override
  public String toString() {
    return "EarlyStopping on " + monitor + ", patience " + patience + ", wait " + wait;
  }

  /** Configures {@link EarlyStopping}. */
  public static final class Builder {
    private final String key;
    private Mode mode = Mode.VAL;
    private Direction direction = Direction.MIN;
    private int patience = 3;
    private double minDelta;
    private double baseline = Double.NaN;
    private double divergenceThreshold = Double.NaN;
    private double stoppingThreshold = Double.NaN;
    private boolean stopOnNonFinite = true;
    private boolean restoreBest;
    private long everySteps;

    private Builder(String key) {
      this.key = Objects.requireNonNull(key, "metricKey");
    }

    /**
     * The mode whose outputs are monitored (default VAL).
     *
     * @param monitored the mode
     * @return this builder
     */
    public Builder mode(Mode monitored) {
      this.mode = Objects.requireNonNull(monitored, "mode");
      return this;
    }

    /**
     * Whether smaller (default) or larger values are better.
     *
     * @param better the direction
     * @return this builder
     */
    public Builder direction(Direction better) {
      this.direction = Objects.requireNonNull(better, "direction");
      return this;
    }

    /**
     * Evaluations in a row without improvement before stopping (default 3; 1 stops at the first
     * evaluation that does not improve).
     *
     * @param evaluations at least 1
     * @return this builder
     */
    public Builder patience(int evaluations) {
      if (evaluations < 1) {
        throw new IllegalArgumentException("patience must be >= 1, was " + evaluations);
      }
      this.patience = evaluations;
      return this;
    }

    /**
     * The smallest change that counts as an improvement (default 0: any strict improvement).
     *
     * @param delta at least 0
     * @return this builder
     */
    public Builder minDelta(double delta) {
      if (!(delta >= 0)) {
        throw new IllegalArgumentException("minDelta must be >= 0, was " + delta);
      }
      this.minDelta = delta;
      return this;
    }

    /**
     * A value the metric must improve on to count as an improvement at all: until it does, the
     * wait grows from the first evaluation.
     *
     * @param value the baseline
     * @return this builder
     */
    public Builder baseline(double value) {
      this.baseline = value;
      return this;
    }

    /**
     * Stops at once when the metric is past this value (above it when minimising).
     *
     * @param value the threshold
     * @return this builder
     */
    public Builder divergenceThreshold(double value) {
      this.divergenceThreshold = value;
      return this;
    }

    /**
     * Stops as done once the metric reaches this value (at or below it when minimising).
     *
     * @param value the goal
     * @return this builder
     */
    public Builder stoppingThreshold(double value) {
      this.stoppingThreshold = value;
      return this;
    }

    /**
     * Whether a NaN or infinite value stops training at once (default true).
     *
     * @param enabled true to stop
     * @return this builder
     */
    public Builder stopOnNonFinite(boolean enabled) {
      this.stopOnNonFinite = enabled;
      return this;
    }

    /**
     * Whether to snapshot the experiment at each improvement, for {@link
     * EarlyStopping#restoreBest(Object)} (default false).
     *
     * @param enabled true to keep the best state
     * @return this builder
     */
    public Builder restoreBest(boolean enabled) {
      this.restoreBest = enabled;
      return this;
    }

    /**
     * Evaluates over windows of exactly {@code n} consecutive steps of the monitored mode
     * instead of over epochs (for unbounded streams).
     *
     * @param n the window length (> 0)
     * @return this builder
     */
    public Builder everySteps(long n) {
      if (n <= 0 || n > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "everySteps must be > 0 and at most " + Integer.MAX_VALUE + ", was " + n);
      }
      this.everySteps = n;
      return this;
    }

    /**
     * Builds the subscriber.
     *
     * @return the subscriber
     */
    public EarlyStopping build() {
      return new EarlyStopping(this);
    }
  }
}
