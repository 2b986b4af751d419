package io.solstice.core.metrics;

import java.util.Map;
import java.util.Objects;

/**
 * A running, weighted average of one scalar (a loss, a gradient norm), reported under its
 * name. The average of no values is reported as 0.
 *
 * <p>Thread safety: immutable (a record); thread-safe.
 *
 * @param name the key under which {@link #compute()} reports the average
 * @param sum the weighted sum of the values
 * @param weight the total weight (usually the number of examples)
 */
public record MeanMetric(String name, double sum, double weight) implements Metrics<MeanMetric> {

  /** Validates the fields. */
  public MeanMetric {
    Objects.requireNonNull(name, "name");
    if (!(weight >= 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("weight of '" + name + "' must be finite and >= 0, was " + weight);
    }
  }

  /**
   * One observation of weight 1.
   *
   * @param name the metric's name
   * @param value the value
   * @return the metric
   */
  public static MeanMetric of(String name, double value) {
    return new MeanMetric(name, value, 1);
  }

  /**
   * A mean over {@code weight} examples, for example a batch's mean loss with the batch size
   * as weight, so that merged means weight each example equally.
   *
   * @param name the metric's name
   * @param mean the mean value
   * @param weight the number of examples behind it
   * @return the metric
   */
  public static MeanMetric ofMean(String name, double mean, double weight) {
    return new MeanMetric(name, mean * weight, weight);
  }

  /**
   * The empty average of that name.
   *
   * @param name the metric's name
   * @return the metric over no values
   */
  public static MeanMetric empty(String name) {
    return new MeanMetric(name, 0, 0);
  }

  /**
   * The average, 0 when there were no values.
   *
   * @return the mean
   */
  public double mean() {
    return weight == 0 ? 0 : sum / weight;
  }

  @Override
  public MeanMetric merge(MeanMetric other) {
    if (!name.equals(other.name)) {
      throw new IllegalArgumentException(
          "cannot merge mean '" + name + "' with mean '" + other.name + "'");
    }
    return new MeanMetric(name, sum + other.sum, weight + other.weight);
  }

  @Override
  public MeanMetric empty() {
    return empty(name);
  }

  @Override
  public Map<String, Double> compute() {
    return Map.of(name, mean());
  }
}
