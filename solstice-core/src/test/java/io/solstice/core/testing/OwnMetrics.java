package io.solstice.core.testing;

import io.solstice.core.metrics.Metrics;
import java.util.Map;

/**
 * A metrics type of a user's own, as opposed to the built-in ones: a plain sum that merges,
 * with no saved form in {@code MetricsState}.
 *
 * @param total the sum
 */
public record OwnMetrics(double total) implements Metrics<OwnMetrics> {

  @Override
  public OwnMetrics merge(OwnMetrics other) {
    return new OwnMetrics(total + other.total);
  }

  @Override
  public OwnMetrics empty() {
    return new OwnMetrics(0);
  }

  @Override
  public Map<String, Double> compute() {
    return Map.of("own", total);
  }
}
