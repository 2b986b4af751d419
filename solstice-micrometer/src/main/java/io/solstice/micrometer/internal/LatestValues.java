package io.solstice.micrometer.internal;

import io.solstice.core.metrics.Metrics;
import java.util.Map;
import java.util.Set;

/**
 * The latest metrics of one kind (a mode's last step, its last epoch, a prequential view), kept
 * as the immutable outputs they come in and computed only when a gauge reads them: the training
 * thread only swaps a reference. One computation serves every gauge until the outputs change.
 * Thread-safe.
 */
public final class LatestValues {

  private Object outputs;
  private Object computedFrom;
  private Map<String, Double> values = Map.of();

  /** Holds nothing yet. */
  public LatestValues() {}

  /**
   * Keeps a step's outputs, when they are {@link Metrics}; others are ignored.
   *
   * @param latest the outputs
   * @return true when these are the first outputs kept (the caller then registers gauges for
   *     {@link #keys()})
   */
  public synchronized boolean setOutputs(Object latest) {
    if (!(latest instanceof Metrics<?>)) {
      return false;
    }
    boolean first = outputs == null;
    outputs = latest;
    return first;
  }

  /**
   * Keeps values computed already (an epoch's, the fading averages).
   *
   * @param computed the values by name
   */
  public synchronized void setValues(Map<String, Double> computed) {
    outputs = null;
    computedFrom = null;
    values = computed;
  }

  /**
   * The names of the current values.
   *
   * @return the names
   */
  public synchronized Set<String> keys() {
    return current().keySet();
  }

  /**
   * One current value.
   *
   * @param name the metric's name
   * @return its value, or NaN when there is none
   */
  public synchronized double value(String name) {
    Double value = current().get(name);
    return value == null ? Double.NaN : value;
  }

  private Map<String, Double> current() {
    if (outputs != null && outputs != computedFrom) {
      values = ((Metrics<?>) outputs).compute();
      computedFrom = outputs;
    }
    return values;
  }
}
