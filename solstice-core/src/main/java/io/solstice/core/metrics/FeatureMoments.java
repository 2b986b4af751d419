package io.solstice.core.metrics;

import io.solstice.core.io.Json;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The count, mean and variance of each column of a feature matrix, accumulated in one pass and
 * mergeable: within a batch by Welford's update, across batches (and workers) by Chan's
 * parallel formula, so the result equals a two-pass computation over all rows up to rounding,
 * even when batches have very different means. This is what a standard scaler is fitted from.
 *
 * <p>Variances are population variances (divided by the count, as scikit-learn's
 * {@code StandardScaler} uses). {@link #compute()} reports {@code count}, and {@code mean_<i>}
 * and {@code std_<i>} for each column {@code i}. The empty value ({@link #none()}) has no
 * columns and merges with anything; two non-empty values must have the same width.
 *
 * <p>Thread safety: immutable and thread-safe; merge returns a new object.
 */
public final class FeatureMoments implements Metrics<FeatureMoments> {

  private static final FeatureMoments NONE = new FeatureMoments(0, new double[0], new double[0]);

  private final long count;
  private final double[] mean;
  private final double[] squaredDeviations;

  private FeatureMoments(long count, double[] mean, double[] squaredDeviations) {
    this.count = count;
    this.mean = mean;
    this.squaredDeviations = squaredDeviations;
  }

  /** The sums {@link MetricsState} saves, by name. */
  Map<String, Object> sums() {
    Map<String, Object> sums = new LinkedHashMap<>();
    sums.put("count", count);
    sums.put("mean", Arrays.stream(mean).boxed().toList());
    sums.put("squaredDeviations", Arrays.stream(squaredDeviations).boxed().toList());
    return sums;
  }

  /** Moments from the sums {@link #sums} gave. */
  @SuppressWarnings("unchecked")
  static FeatureMoments restored(Map<String, Object> sums) {
    long count = Json.toLong(sums.get("count"));
    double[] mean = MetricsState.doubles((List<Object>) sums.get("mean"));
    double[] deviations = MetricsState.doubles((List<Object>) sums.get("squaredDeviations"));
    if (count < 0 || mean.length != deviations.length) {
      throw new IllegalArgumentException("count must be >= 0 and the means as many as the deviations");
    }
    return count == 0 ? NONE : new FeatureMoments(count, mean, deviations);
  }

  /**
   * The moments of the rows of a matrix.
   *
   * @param features [rows, columns]; a vector [rows] counts as one column
   * @return the moments
   * @throws IllegalArgumentException when a value is not finite
   */
  public static FeatureMoments of(INDArray features) {
    if (features.rank() == 1) {
      return of(features.reshape(features.length(), 1).toDoubleMatrix());
    }
    if (features.rank() != 2) {
      throw new IllegalArgumentException("features must be [rows, columns], were " + Arrays.toString(features.shape()));
    }
    return of(features.toDoubleMatrix());
  }

  /**
   * The moments of the rows of a matrix held on the heap.
   *
   * @param rows the rows, all of one width
   * @return the moments
   * @throws IllegalArgumentException when rows differ in width or a value is not finite
   */
  public static FeatureMoments of(double[][] rows) {
    if (rows.length == 0) {
      return NONE;
    }
    int width = rows[0].length;
    double[] mean = new double[width];
    double[] deviations = new double[width];
    for (int r = 0; r < rows.length; r++) {
      if (rows[r].length != width) {
        throw new IllegalArgumentException("row " + r + " has " + rows[r].length + " values, row 0 has " + width);
      }
      for (int c = 0; c < width; c++) {
        double x = rows[r][c];
        if (!Double.isFinite(x)) {
          throw new IllegalArgumentException("row " + r + ", column " + c + " is " + x + "; values must be finite");
        }
        double delta = x - mean[c];
        mean[c] += delta / (r + 1);
        deviations[c] += delta * (x - mean[c]);
      }
    }
    return new FeatureMoments(rows.length, mean, deviations);
  }

  /**
   * The moments over no rows.
   *
   * @return the identity of {@link #merge}
   */
  public static FeatureMoments none() {
    return NONE;
  }

  /**
   * The number of rows seen.
   *
   * @return the count
   */
  public long count() {
    return count;
  }

  /**
   * The number of columns (0 for {@link #none()}).
   *
   * @return the width
   */
  public int width() {
    return mean.length;
  }

  /**
   * The mean of each column.
   *
   * @return a copy of the means
   */
  public double[] mean() {
    return mean.clone();
  }

  /**
   * The population variance of each column (0 when fewer than one row was seen).
   *
   * @return the variances
   */
  public double[] variance() {
    double[] variance = new double[mean.length];
    for (int c = 0; c < variance.length; c++) {
      variance[c] = count == 0 ? 0 : squaredDeviations[c] / count;
    }
    return variance;
  }

  @Override
  public FeatureMoments merge(FeatureMoments other) {
    if (other.count == 0) {
      return this;
    }
    if (count == 0) {
      return other;
    }
    if (other.mean.length != mean.length) {
      throw new IllegalArgumentException("cannot merge moments of " + mean.length + " and " + other.mean.length
          + " columns");
    }
    long n = count + other.count;
    double[] merged = new double[mean.length];
    double[] deviations = new double[mean.length];
    double weight = (double) count * other.count / n;
    for (int c = 0; c < mean.length; c++) {
      double delta = other.mean[c] - mean[c];
      merged[c] = mean[c] + delta * other.count / n;
      deviations[c] = squaredDeviations[c] + other.squaredDeviations[c] + delta * delta * weight;
    }
    return new FeatureMoments(n, merged, deviations);
  }

  @Override
  public FeatureMoments empty() {
    return NONE;
  }

  @Override
  public Map<String, Double> compute() {
    Map<String, Double> values = new LinkedHashMap<>();
    values.put("count", (double) count);
    double[] variance = variance();
    for (int c = 0; c < mean.length; c++) {
      values.put("mean_" + c, mean[c]);
      values.put("std_" + c, Math.sqrt(variance[c]));
    }
    return Collections.unmodifiableMap(values);
  }

  @Override
  public String toString() {
    return "FeatureMoments" + compute();
  }
}
