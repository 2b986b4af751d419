package io.solstice.reactive.callbacks;

import io.solstice.core.Mode;
import io.solstice.reactive.TrainingEvent;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Where the time of one epoch's steps went, as percentiles over its steps of the {@link
 * TrainingEvent.Timings} the engine measured.
 *
 * @param mode the epoch's mode
 * @param epoch the epoch
 * @param steps how many steps were measured
 * @param dataWait time from the end of the previous step's subscribers (or the epoch start)
 *     until the batch reached the training thread: waiting for the source
 * @param step time of the step itself
 * @param subscribers time in the synchronous subscribers of the previous step's end and of the
 *     step's start
 */
public record StepTimings(
    Mode mode, int epoch, int steps, Percentiles dataWait, Percentiles step, Percentiles subscribers) {

  /** Validates the fields. */
  public StepTimings {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(dataWait, "dataWait");
    Objects.requireNonNull(step, "step");
    Objects.requireNonNull(subscribers, "subscribers");
  }

  /**
   * The percentiles of one epoch's step timings.
   *
   * @param mode the epoch's mode
   * @param epoch the epoch
   * @param timings the timings of its steps, in any order
   * @return the percentiles (all zero for an epoch without steps)
   */
  public static StepTimings of(Mode mode, int epoch, List<TrainingEvent.Timings> timings) {
    int count = timings.size();
    long[] dataWaits = new long[count];
    long[] steps = new long[count];
    long[] subscribers = new long[count];
    for (int i = 0; i < count; i++) {
      TrainingEvent.Timings t = timings.get(i);
      dataWaits[i] = t.dataWait();
      steps[i] = t.step();
      subscribers[i] = t.subscribers();
    }
    return new StepTimings(mode, epoch, count, Percentiles.of(dataWaits, count),
        Percentiles.of(steps, count), Percentiles.of(subscribers, count));
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s epoch %d, %d steps: data wait %s; step %s; subscribers %s",
        mode.label(), epoch, steps, dataWait, step, subscribers);
  }

  /**
   * Nearest-rank percentiles of a set of durations.
   *
   * @param p50 the median
   * @param p90 the 90th percentile
   * @param p99 the 99th percentile
   * @param max the largest
   * @param mean the mean
   */
  public record Percentiles(Duration p50, Duration p90, Duration p99, Duration max, Duration mean) {

    /**
     * Computes percentiles by the nearest-rank method (the smallest value with at least p% of
     * the values at or below it).
     *
     * @param nanos the durations in nanoseconds (not modified)
     * @param count how many of them are used
     * @return the percentiles (all zero for no values)
     */
    public static Percentiles of(long[] nanos, int count) {
      if (count == 0) {
        return new Percentiles(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
      }
      long[] sorted = Arrays.copyOf(nanos, count);
      Arrays.sort(sorted);
      long sum = 0;
      for (long value : sorted) {
        sum += value;
      }
      return new Percentiles(rank(sorted, 50), rank(sorted, 90), rank(sorted, 99),
          Duration.ofNanos(sorted[count - 1]), Duration.ofNanos(sum / count));
    }

    private static Duration rank(long[] sorted, int percent) {
      int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
      return Duration.ofNanos(sorted[Math.max(0, index)]);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms",
          p50.toNanos() / 1e6, p90.toNanos() / 1e6, p99.toNanos() / 1e6, max.toNanos() / 1e6);
    }
  }
}
