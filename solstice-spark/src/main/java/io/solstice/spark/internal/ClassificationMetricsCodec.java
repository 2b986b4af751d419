package io.solstice.spark.internal;

import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.metrics.MetricsState;
import io.solstice.spark.MetricsCodec;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ships {@link ClassificationMetrics} in their saved form ({@link MetricsState}: classes,
 * confusion matrix, loss sum, count), which restores them exactly.
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
public final class ClassificationMetricsCodec implements MetricsCodec<ClassificationMetrics> {
  private static final long serialVersionUID = 1L;

  @Override
  public Serializable encode(ClassificationMetrics metrics) {
    // A LinkedHashMap of numbers and an ArrayList of longs: Serializable as they are.
    return new LinkedHashMap<>(MetricsState.save(metrics));
  }

  @Override
  @SuppressWarnings("unchecked")
  public ClassificationMetrics decode(Serializable encoded) {
    return (ClassificationMetrics) MetricsState.restore((Map<String, Object>) encoded);
  }
}
