package io.solstice.reactive.callbacks.internal;

import io.solstice.core.metrics.Metrics;
import java.util.Map;

/**
 * Merges step outputs that are {@link Metrics} into one running value, counting the steps.
 * Not thread-safe: used on the training thread.
 */
public final class MetricsAccumulator {

  private final String owner;
  private Metrics<?> merged;
  private long steps;

  /**
   * Creates an empty accumulator.
   *
   * @param owner the callback's name, for error messages
   */
  public MetricsAccumulator(String owner) {
    this.owner = owner;
  }

  /**
   * Merges one step's outputs.
   *
   * @param outputs the outputs; must implement {@link Metrics}
   * @throws IllegalArgumentException when they do not
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public void add(Object outputs) {
    if (!(outputs instanceof Metrics<?> metrics)) {
      throw new IllegalArgumentException(
          owner + " needs step outputs that implement io.solstice.core.metrics.Metrics, but got "
              + (outputs == null ? "null" : outputs.getClass().getName())
              + "; return a Metrics (for example a MetricGroup) from trainStep/evalStep");
    }
    merged = merged == null ? metrics : (Metrics<?>) ((Metrics) merged).merge(metrics);
    steps++;
  }

  /**
   * Whether nothing was added since the last reset.
   *
   * @return true when empty
   */
  public boolean isEmpty() {
    return steps == 0;
  }

  /**
   * Steps merged since the last reset.
   *
   * @return the count
   */
  public long steps() {
    return steps;
  }

  /**
   * The computed values of everything merged.
   *
   * @return the values (empty when nothing was added)
   */
  public Map<String, Double> compute() {
    return merged == null ? Map.of() : merged.compute();
  }

  /** Forgets everything merged. */
  public void reset() {
    merged = null;
    steps = 0;
  }
}
