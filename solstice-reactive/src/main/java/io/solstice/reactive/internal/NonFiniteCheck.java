package io.solstice.reactive.internal;

import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.core.metrics.Metrics;
import io.solstice.core.nd4j.FiniteValues;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Finds NaN and infinity in a batch's features and in a step's loss. Each method returns a
 * description of what is non-finite, or null when everything is finite.
 */
final class NonFiniteCheck {

  private NonFiniteCheck() {}

  /** Checks the features of a {@link TensorBatch}; other batch types are not inspected. */
  static String features(Object batch) {
    if (!(batch instanceof TensorBatch tensors)) {
      return null;
    }
    INDArray features = tensors.features();
    if (features == null || features.isEmpty() || !features.dataType().isFPType()) {
      return null;
    }
    String found = FiniteValues.nonFinite(features);
    return found == null ? null : inFeatures(found);
  }

  /**
   * How a non-finite value among a batch's features is named, for the engine's check and for an
   * experiment's own refusal alike.
   *
   * @param found {@code "NaN"} or {@code "infinity"}
   */
  static String inFeatures(String found) {
    return "features (" + found + ")";
  }

  /**
   * Checks a step's loss: a MeanMetric's mean, or a Metrics' "loss" entry, or, for metrics that
   * have none, their "mse" entry (RegressionMetrics: the squared error is the built-in
   * regressor's loss, and a diverged prediction makes it non-finite).
   */
  static String loss(Object outputs) {
    if (outputs instanceof MeanMetric mean) {
      return Double.isFinite(mean.mean()) ? null : "loss (" + mean.name() + " = " + mean.mean() + ")";
    }
    if (outputs instanceof ClassificationMetrics classification) {
      // Its loss sum is non-finite exactly when the mean loss is; compute() would build every key.
      return Double.isFinite(classification.lossSum()) ? null
          : "loss (loss = " + classification.compute().get("loss") + ")";
    }
    if (outputs instanceof Metrics<?> metrics) {
      Map<String, Double> values = metrics.compute();
      String key = values.containsKey("loss") ? "loss" : "mse";
      Double loss = values.get(key);
      return loss == null || Double.isFinite(loss) ? null : "loss (" + key + " = " + loss + ")";
    }
    return null;
  }
}
