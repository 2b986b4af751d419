package io.solstice.core.metrics;

import io.solstice.core.io.Json;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Mean squared error, its root, mean absolute error and the coefficient of determination
 * (R^2) of real-valued predictions, accumulated so that merging is exact up to floating-point
 * rounding. Target variance is accumulated with Chan's parallel algorithm, which stays
 * accurate when batches have very different means.
 *
 * <p>R^2 follows scikit-learn: {@code 1 - SSE / SST}; when the targets have no variance it is
 * 1 for a perfect fit and 0 otherwise. Every value of the empty metrics is 0.
 *
 * <p>A non-finite prediction (a diverged model's NaN or infinity) is kept, not refused: the
 * error sums, every merge that includes them and the values computed from them ({@code mse},
 * {@code rmse}, {@code mae}, {@code r2}) are then non-finite, so that the engine's non-finite
 * policy sees the diverged step in its outputs (by its {@code mse}, the built-in regressor's
 * squared-error loss) and decides, instead of the step failing before the policy can apply.
 * Targets are data and must be finite.
 *
 * <p>Thread safety: immutable and thread-safe; merge returns a new object.
 */
public final class RegressionMetrics implements Metrics<RegressionMetrics> {

  private static final RegressionMetrics EMPTY = new RegressionMetrics(0, 0, 0, 0, 0);

  private final long count;
  private final double sumSquaredError;
  private final double sumAbsoluteError;
  private final double targetMean;
  private final double targetSquaredDeviations;

  private RegressionMetrics(
      long count, double sse, double sae, double targetMean, double targetSquaredDeviations) {
    this.count = count;
    this.sumSquaredError = sse;
    this.sumAbsoluteError = sae;
    this.targetMean = targetMean;
    this.targetSquaredDeviations = targetSquaredDeviations;
  }

  /** The sums {@link MetricsState} saves, by name. */
  Map<String, Object> sums() {
    Map<String, Object> sums = new LinkedHashMap<>();
    sums.put("count", count);
    sums.put("sumSquaredError", sumSquaredError);
    sums.put("sumAbsoluteError", sumAbsoluteError);
    sums.put("targetMean", targetMean);
    sums.put("targetSquaredDeviations", targetSquaredDeviations);
    return sums;
  }

  /** Metrics from the sums {@link #sums} gave. */
  static RegressionMetrics restored(Map<String, Object> sums) {
    long count = Json.toLong(sums.get("count"));
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, was " + count);
    }
    return new RegressionMetrics(count, Json.toDouble(sums.get("sumSquaredError")),
        Json.toDouble(sums.get("sumAbsoluteError")), Json.toDouble(sums.get("targetMean")),
        Json.toDouble(sums.get("targetSquaredDeviations")));
  }

  /**
   * Metrics over pairs of predictions and targets.
   *
   * @param predictions predicted values; NaN and infinities are kept (see the class comment)
   * @param targets true values, as many as predictions, finite
   * @return the metrics
   * @throws IllegalArgumentException when the lengths differ or a target is not finite
   */
  public static RegressionMetrics of(double[] predictions, double[] targets) {
    if (predictions.length != targets.length) {
      throw new IllegalArgumentException(
          "predictions and targets differ in length: " + predictions.length + " vs " + targets.length);
    }
    double sse = 0;
    double sae = 0;
    double mean = 0;
    double squaredDeviations = 0;
    for (int i = 0; i < predictions.length; i++) {
      if (!Double.isFinite(targets[i])) {
        throw new IllegalArgumentException(
            "non-finite target at index " + i + ": " + targets[i] + "; targets must be finite");
      }
      double error = predictions[i] - targets[i];
      sse += error * error;
      sae += Math.abs(error);
      double delta = targets[i] - mean;
      mean += delta / (i + 1);
      squaredDeviations += delta * (targets[i] - mean);
    }
    return new RegressionMetrics(predictions.length, sse, sae, mean, squaredDeviations);
  }

  /**
   * Metrics over two arrays of the same shape, compared element by element.
   *
   * @param predictions predicted values
   * @param targets true values of the same shape
   * @return the metrics
   */
  public static RegressionMetrics of(INDArray predictions, INDArray targets) {
    if (!java.util.Arrays.equals(predictions.shape(), targets.shape())) {
      throw new IllegalArgumentException(
          "predictions " + java.util.Arrays.toString(predictions.shape()) + " and targets "
              + java.util.Arrays.toString(targets.shape()) + " differ in shape");
    }
    return of(predictions.toDoubleVector(), targets.toDoubleVector());
  }

  /**
   * The metrics over no data.
   *
   * @return the identity of {@link #merge}
   */
  public static RegressionMetrics none() {
    return EMPTY;
  }

  /**
   * The number of predictions seen.
   *
   * @return the count
   */
  public long count() {
    return count;
  }

  @Override
  public RegressionMetrics merge(RegressionMetrics other) {
    if (other.count == 0) {
      return this;
    }
    if (count == 0) {
      return other;
    }
    long n = count + other.count;
    double delta = other.targetMean - targetMean;
    double mean = targetMean + delta * other.count / n;
    double deviations =
        targetSquaredDeviations + other.targetSquaredDeviations
            + delta * delta * ((double) count * other.count / n);
    return new RegressionMetrics(
        n, sumSquaredError + other.sumSquaredError, sumAbsoluteError + other.sumAbsoluteError,
        mean, deviations);
  }

  @Override
  public RegressionMetrics empty() {
    return EMPTY;
  }

  @Override
  public Map<String, Double> compute() {
    Map<String, Double> values = new LinkedHashMap<>();
    double mse = count == 0 ? 0 : sumSquaredError / count;
    values.put("mse", mse);
    values.put("rmse", Math.sqrt(mse));
    values.put("mae", count == 0 ? 0 : sumAbsoluteError / count);
    values.put("r2", rSquared());
    values.put("count", (double) count);
    return Collections.unmodifiableMap(values);
  }

  private double rSquared() {
    if (count == 0) {
      return 0;
    }
    if (!Double.isFinite(sumSquaredError)) {
      // A diverged prediction: NaN, or -infinity for an infinite error (what 1 - SSE / SST
      // gives), also for constant targets, whose "0 for an imperfect fit" would hide it.
      return Double.isNaN(sumSquaredError) ? Double.NaN : Double.NEGATIVE_INFINITY;
    }
    if (targetSquaredDeviations == 0) {
      return sumSquaredError == 0 ? 1 : 0;
    }
    return 1 - sumSquaredError / targetSquaredDeviations;
  }

  @Override
  public String toString() {
    return "RegressionMetrics" + compute();
  }
}
