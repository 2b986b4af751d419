package io.solstice.core.testing;

import io.solstice.core.io.Json;
import io.solstice.core.metrics.SavableMetrics;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A metrics type of a user's own with a saved form: a sum and a count, and the constructor
 * {@link SavableMetrics} asks for.
 *
 * @param sum the sum of the values
 * @param count how many values
 */
public record SavableOwnMetrics(double sum, long count) implements SavableMetrics<SavableOwnMetrics> {

  /**
   * The metrics a saved state holds.
   *
   * @param state what {@link #state()} gave, after a trip through JSON or not
   */
  public SavableOwnMetrics(Map<String, Object> state) {
    this(Json.toDouble(state.get("sum")), Json.toLong(state.get("count")));
  }

  @Override
  public Map<String, Object> state() {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("sum", sum);
    state.put("count", count);
    return state;
  }

  @Override
  public SavableOwnMetrics merge(SavableOwnMetrics other) {
    return new SavableOwnMetrics(sum + other.sum, count + other.count);
  }

  @Override
  public SavableOwnMetrics empty() {
    return new SavableOwnMetrics(0, 0);
  }

  @Override
  public Map<String, Double> compute() {
    return Map.of("mean", count == 0 ? 0 : sum / count);
  }
}
