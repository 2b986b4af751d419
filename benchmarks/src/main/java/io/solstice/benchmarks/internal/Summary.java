package io.solstice.benchmarks.internal;

import java.util.Arrays;

/**
 * The median, minimum and maximum of a set of measurements.
 *
 * @param median the median (the mean of the two middle values for an even count)
 * @param min the smallest value
 * @param max the largest value
 * @param count how many values
 */
public record Summary(double median, double min, double max, int count) {

  /**
   * Summarises the values.
   *
   * @param values at least one value
   * @return their summary
   */
  public static Summary of(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("nothing to summarise: no measurements were taken");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    return new Summary(median, sorted[0], sorted[n - 1], n);
  }

  /**
   * This summary as a JSON-ready map.
   *
   * @return median, min, max and count
   */
  public Json.Obj toJson() {
    return Json.obj().put("median", median).put("min", min).put("max", max).put("n", count);
  }
}
