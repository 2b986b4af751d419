package io.solstice.reactive.callbacks;

import io.solstice.core.Mode;
import io.solstice.reactive.TrainingEvent;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * One monitored metric: which key of which mode's merged metrics, whether smaller or larger is
 * better, how much better counts, and the best value seen so far. It is the one place that
 * decides "is this better than the best", for {@link EarlyStopping} and for the checkpoints
 * {@link CheckpointCallback.Builder#keepBest kept as best}, and it can serve a subscriber of
 * one's own:
 *
 * <pre>{@code
 * Monitor accuracy = new Monitor("accuracy", Mode.VAL, Direction.MAX, 0.001, Double.NaN);
 * TrainingSubscriber<Object, Object> announceBest = event -> accuracy.valueOf(event)
 *     .ifPresent(value -> {
 *       if (accuracy.offer(value)) {
 *         System.out.println("new best accuracy " + value);
 *       }
 *     });
 * }</pre>
 *
 * <p>A monitor reads the merged metrics the engine puts on {@link TrainingEvent.EpochEnded} of
 * its mode, of whole epochs only; it keeps no accumulator. Not thread-safe: use it on the
 * training thread (from a synchronous subscriber).
 */
public final class Monitor {

  private final String key;
  private final Mode mode;
  private final Direction direction;
  private final double minDelta;
  private double best;

  /**
   * A monitor of {@code key} in the merged metrics of {@code mode}.
   *
   * @param key the key in the computed metrics, for example {@code "loss"}
   * @param mode the mode whose epochs are measured (usually VAL)
   * @param direction whether smaller or larger values are better
   * @param minDelta the smallest change that counts as an improvement (at least 0)
   * @param baseline the value to improve on before anything counts as an improvement, or NaN
   *     for none (the best then starts as the worst possible value)
   */
  public Monitor(String key, Mode mode, Direction direction, double minDelta, double baseline) {
    this.key = Objects.requireNonNull(key, "key");
    this.mode = Objects.requireNonNull(mode, "mode");
    this.direction = Objects.requireNonNull(direction, "direction");
    if (!(minDelta >= 0)) {
      throw new IllegalArgumentException("minDelta must be >= 0, was " + minDelta);
    }
    this.minDelta = minDelta;
    this.best = Double.isNaN(baseline) ? direction.worst() : baseline;
  }

  /**
   * The monitored key.
   *
   * @return the key
   */
  public String key() {
    return key;
  }

  /**
   * The monitored mode.
   *
   * @return the mode
   */
  public Mode mode() {
    return mode;
  }

  /**
   * Whether smaller or larger is better.
   *
   * @return the direction
   */
  public Direction direction() {
    return direction;
  }

  /**
   * The smallest change that counts as an improvement.
   *
   * @return minDelta
   */
  public double minDelta() {
    return minDelta;
  }

  /**
   * The best value so far: the baseline (or the worst possible value) until something improves
   * on it.
   *
   * @return the best value
   */
  public double best() {
    return best;
  }

  /**
   * The monitored value of an event: present for the {@link TrainingEvent.EpochEnded} of an
   * epoch of the monitored mode that ran at least one step and ran to its end, read from the
   * metrics the engine merged over that epoch. An epoch a stop cut short ({@link
   * TrainingEvent.EpochEnded#complete()} false) merged only part of its data, so it is no
   * evaluation.
   *
   * @param event any event of a run
   * @return the value, or empty when the event is not such an epoch end
   * @throws IllegalArgumentException when the epoch's outputs are not {@link
   *     io.solstice.core.metrics.Metrics} or hold no value for the key
   */
  public OptionalDouble valueOf(TrainingEvent<?, ?> event) {
    if (!(event instanceof TrainingEvent.EpochEnded<?, ?> end)
        || end.mode() != mode
        || end.steps() == 0
        || !end.complete()) {
      return OptionalDouble.empty();
    }
    if (end.metrics() == null) {
      throw new IllegalArgumentException("monitoring '" + key + "' needs step outputs that "
          + "implement io.solstice.core.metrics.Metrics, but the " + mode.label() + " steps of "
          + "epoch " + end.epoch() + " returned something else; return a Metrics (for example a "
          + "MetricGroup) from trainStep/evalStep");
    }
    return OptionalDouble.of(valueIn(end.values()));
  }

  /**
   * The monitored value among computed metrics.
   *
   * @param values the computed metrics of the monitored mode
   * @return the value of the key
   * @throws IllegalArgumentException when the key is missing, naming the keys that exist
   */
  public double valueIn(Map<String, Double> values) {
    Double value = values.get(key);
    if (value == null) {
      throw new IllegalArgumentException("the monitored metric '" + key + "' is not among the "
          + mode.label() + " metrics, which hold only " + values.keySet());
    }
    return value;
  }

  /**
   * Whether {@code value} improves on the best so far by more than {@code minDelta}.
   *
   * @param value a monitored value
   * @return true when it would become the best
   */
  public boolean improves(double value) {
    return direction.improves(value, best, minDelta);
  }

  /**
   * Makes {@code value} the best when it {@linkplain #improves improves} on it.
   *
   * @param value a monitored value
   * @return true when it became the best
   */
  public boolean offer(double value) {
    if (!improves(value)) {
      return false;
    }
    best = value;
    return true;
  }

  /**
   * Whether {@code candidate} is strictly better than {@code reference}, without {@code
   * minDelta} (for thresholds and for ranking values).
   *
   * @param candidate a value
   * @param reference the value to compare with
   * @return true when the candidate is better
   */
  public boolean isBetter(double candidate, double reference) {
    return direction.improves(candidate, reference, 0);
  }

  /**
   * Orders two values best first: negative when {@code a} is better, positive when {@code b}
   * is, 0 when neither is. NaN is never better than anything.
   *
   * @param a a value
   * @param b another value
   * @return the order
   */
  public int compare(double a, double b) {
    if (isBetter(a, b)) {
      return -1;
    }
    return isBetter(b, a) ? 1 : 0;
  }

  /**
   * Sets the best value, as restored from a saved state.
   *
   * @param value the best value
   */
  public void restoreBest(double value) {
    best = value;
  }

  /**
   * The value in the form used in messages ({@code %.6g}).
   *
   * @param value a value
   * @return the formatted value
   */
  static String format(double value) {
    return String.format(Locale.ROOT, "%.6g", value);
  }

  @Override
  public String toString() {
    return mode.label() + " " + key + " (" + direction + ", minDelta " + format(minDelta)
        + ", best " + format(best) + ")";
  }
}
