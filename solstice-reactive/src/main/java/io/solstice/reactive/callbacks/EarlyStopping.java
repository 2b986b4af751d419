package io.solstice.reactive.callbacks;

import io.solstice.core.Callback;
import io.solstice.core.Checkpointable;
import io.solstice.core.EarlyStoppingException;
import io.solstice.core.Mode;
import io.solstice.core.NamedArrays;
import io.solstice.reactive.callbacks.internal.MetricsAccumulator;
import io.solstice.core.checkpoint.StateValues;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Stops training when a monitored metric stops improving, becomes NaN or infinite, diverges
 * past a threshold, or reaches a goal; optionally remembers the best experiment.
 *
 * <p><b>Evaluations.</b> Step outputs of the monitored mode (VAL by default) must be {@link
 * io.solstice.core.metrics.Metrics}; they are merged over each epoch of that mode, or over
 * windows of exactly N steps with {@link Builder#everySteps(long)}, and the monitored key of the
 * merged values is one evaluation.
 *
 * <p><b>Rules</b>, checked in this order at each evaluation, each throwing {@link
 * EarlyStoppingException} with a reason that names the metric and value:
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
 * <p><b>Restoring the best.</b> With {@link Builder#restoreBest(boolean)}, the experiment (which
 * must be {@link Checkpointable}) is snapshotted ({@code state().copy()}) at every improvement.
 * A callback cannot change what the engine returns, so after the run call {@link
 * #restoreBest(Object)} with the trained experiment: {@code E best =
 * earlyStopping.restoreBest(trained);}, or {@link #bestExperiment()}, or use {@link
 * #bestState()}. The snapshot is kept in
 * memory only; it is not part of {@link #saveState()}, so after a resume it is available again
 * from the next improvement on.
 *
 * <p>The criterion form of the original library is {@link #when(Predicate, int)}.
 *
 * @param <E> the experiment type
 * @param <B> the batch type
 * @param <O> the step-output type (a {@link io.solstice.core.metrics.Metrics})
 */
public final class EarlyStopping<E, B, O> implements Callback<E, B, O>, StatefulCallback {

  private final String key;
  private final Mode mode;
  private final Direction direction;
  private final int patience;
  private final double minDelta;
  private final double baseline;
  private final double divergenceThreshold;
  private final double stoppingThreshold;
  private final boolean stopOnNonFinite;
  private final boolean restoreBest;
  private final long everySteps;

  private final MetricsAccumulator accumulator = new MetricsAccumulator("EarlyStopping");
  private double best;
  private long bestEvaluation = -1;
  private int bestEpoch = -1;
  private long evaluations;
  private int wait;
  private NamedArrays bestState;
  private E lastEvaluated;
  private String stopReason;

  private EarlyStopping(Builder<E, B, O> builder) {
    this.key = builder.key;
    this.mode = builder.mode;
    this.direction = builder.direction;
    this.patience = builder.patience;
    this.minDelta = builder.minDelta;
    this.baseline = builder.baseline;
    this.divergenceThreshold = builder.divergenceThreshold;
    this.stoppingThreshold = builder.stoppingThreshold;
    this.stopOnNonFinite = builder.stopOnNonFinite;
    this.restoreBest = builder.restoreBest;
    this.everySteps = builder.everySteps;
    this.best = Double.isNaN(baseline) ? direction.worst() : baseline;
  }

  /**
   * Starts configuring early stopping on a metric key, for example {@code "loss"}.
   *
   * @param metricKey the key in the computed metrics of the monitored mode
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the output type
   * @return the builder
   */
  public static <E, B, O> Builder<E, B, O> monitor(String metricKey) {
    return new Builder<>(metricKey);
  }

  /**
   * The original library's form: collects the outputs of every {@code everyNthStep}-th VAL
   * step of an epoch (steps whose number is a multiple of it) and stops when the criterion
   * holds for that epoch's list.
   *
   * @param criterion decides from the collected outputs whether to stop
   * @param everyNthStep keep one output in n (1 keeps all)
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the output type
   * @return the callback
   */
  public static <E, B, O> Callback<E, B, O> when(Predicate<List<O>> criterion, int everyNthStep) {
    return new EarlyStoppingCriterion<>(criterion, everyNthStep);
  }

  @Override
  public void onEpochStart(E experiment, int epoch, Mode epochMode) {
    if (epochMode == mode && everySteps == 0) {
      accumulator.reset();
    }
  }

  @Override
  public void onStepEnd(O outputs, E experiment, long globalStep, Mode stepMode, B batch) {
    if (stepMode != mode) {
      return;
    }
    accumulator.add(outputs);
    if (everySteps > 0 && accumulator.steps() == everySteps) {
      evaluate(experiment, -1, "window ending at " + stepMode.label() + " step " + globalStep);
    }
  }

  @Override
  public void onEpochEnd(E experiment, int epoch, Mode epochMode) {
    if (epochMode == mode && everySteps == 0 && !accumulator.isEmpty()) {
      evaluate(experiment, epoch, "epoch " + epoch);
    }
  }

  private void evaluate(E experiment, int epoch, String where) {
    lastEvaluated = experiment;
    Map<String, Double> values = accumulator.compute();
    accumulator.reset();
    Double boxed = values.get(key);
    if (boxed == null) {
      throw new IllegalArgumentException(
          "EarlyStopping monitors '" + key + "' but the " + mode.label() + " metrics hold only "
              + values.keySet());
    }
    double value = boxed;
    long evaluation = evaluations++;
    String metric = mode.label() + " " + key;
    if (stopOnNonFinite && !Double.isFinite(value)) {
      stop(metric + " is " + value + " at " + where + "; stopping (best " + format(best) + ")");
    }
    if (!Double.isNaN(divergenceThreshold) && direction.improves(divergenceThreshold, value, 0)) {
      stop(metric + " = " + format(value) + " at " + where + " is past the divergence threshold "
          + format(divergenceThreshold));
    }
    if (direction.improves(value, best, minDelta)) {
      best = value;
      bestEvaluation = evaluation;
      bestEpoch = epoch;
      wait = 0;
      if (restoreBest) {
        snapshot(experiment);
      }
      if (!Double.isNaN(stoppingThreshold) && !direction.improves(stoppingThreshold, value, 0)) {
        stop(metric + " = " + format(value) + " at " + where + " reached the stopping threshold "
            + format(stoppingThreshold));
      }
      return;
    }
    wait++;
    if (wait >= patience) {
      stop(metric + " did not improve on " + format(best) + " by more than " + format(minDelta)
          + " for " + wait + " evaluation(s) (patience " + patience + "), last " + format(value)
          + " at " + where);
    }
  }

  private void snapshot(E experiment) {
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

  private void stop(String reason) {
    stopReason = "early stopping: " + reason;
    throw new EarlyStoppingException(stopReason);
  }

  private static String format(double value) {
    return String.format(Locale.ROOT, "%.6g", value);
  }

  /**
   * The best value seen so far (the baseline or the worst value before any improvement).
   *
   * @return the best value
   */
  public double bestValue() {
    return best;
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
   * Why training was stopped, once it was.
   *
   * @return the reason
   */
  public Optional<String> stopReason() {
    return Optional.ofNullable(stopReason);
  }

  /**
   * The snapshot of the best experiment's state (with {@code restoreBest} on).
   *
   * @return the state, or empty before the first improvement
   */
  public Optional<NamedArrays> bestState() {
    return Optional.ofNullable(bestState);
  }

  /**
   * The best experiment, rebuilt from the snapshot through the last experiment this callback
   * evaluated ({@code last.withState(bestState)}).
   *
   * @return the best experiment, or empty when there is no snapshot (restoreBest off, or no
   *     improvement seen)
   */
  public Optional<E> bestExperiment() {
    return bestState == null || lastEvaluated == null
        ? Optional.empty()
        : Optional.of(restoreBest(lastEvaluated));
  }

  /**
   * The best experiment: {@code trained.withState(bestState)}, or {@code trained} itself when
   * there is no snapshot (restoreBest off, or no improvement seen).
   *
   * @param trained the experiment the run returned
   * @return the best experiment
   */
  @SuppressWarnings("unchecked")
  public E restoreBest(E trained) {
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
    state.put("best", best);
    state.put("bestEvaluation", bestEvaluation);
    state.put("bestEpoch", bestEpoch);
    state.put("evaluations", evaluations);
    state.put("wait", wait);
    return state;
  }

  @Override
  public void restoreState(Map<String, Object> state) {
    best = StateValues.getDouble(state, "best");
    bestEvaluation = StateValues.getLong(state, "bestEvaluation");
    bestEpoch = (int) StateValues.getLong(state, "bestEpoch");
    evaluations = StateValues.getLong(state, "evaluations");
    wait = (int) StateValues.getLong(state, "wait");
    accumulator.reset();
  }

  /**
   * Configures {@link EarlyStopping}.
   *
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the output type
   */
  public static final class Builder<E, B, O> {
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
    public Builder<E, B, O> mode(Mode monitored) {
      this.mode = Objects.requireNonNull(monitored, "mode");
      return this;
    }

    /**
     * Whether smaller (default) or larger values are better.
     *
     * @param better the direction
     * @return this builder
     */
    public Builder<E, B, O> direction(Direction better) {
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
    public Builder<E, B, O> patience(int evaluations) {
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
    public Builder<E, B, O> minDelta(double delta) {
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
    public Builder<E, B, O> baseline(double value) {
      this.baseline = value;
      return this;
    }

    /**
     * Stops at once when the metric is past this value (above it when minimising).
     *
     * @param value the threshold
     * @return this builder
     */
    public Builder<E, B, O> divergenceThreshold(double value) {
      this.divergenceThreshold = value;
      return this;
    }

    /**
     * Stops as done once the metric reaches this value (at or below it when minimising).
     *
     * @param value the goal
     * @return this builder
     */
    public Builder<E, B, O> stoppingThreshold(double value) {
      this.stoppingThreshold = value;
      return this;
    }

    /**
     * Whether a NaN or infinite value stops training at once (default true).
     *
     * @param enabled true to stop
     * @return this builder
     */
    public Builder<E, B, O> stopOnNonFinite(boolean enabled) {
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
    public Builder<E, B, O> restoreBest(boolean enabled) {
      this.restoreBest = enabled;
      return this;
    }

    /**
     * Evaluates over windows of exactly {@code n} steps of the monitored mode instead of over
     * epochs (for unbounded streams).
     *
     * @param n the window length (> 0)
     * @return this builder
     */
    public Builder<E, B, O> everySteps(long n) {
      if (n <= 0) {
        throw new IllegalArgumentException("everySteps must be > 0, was " + n);
      }
      this.everySteps = n;
      return this;
    }

    /**
     * Builds the callback.
     *
     * @return the callback
     */
    public EarlyStopping<E, B, O> build() {
      return new EarlyStopping<>(this);
    }
  }
}
