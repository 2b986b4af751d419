package io.solstice.reactive;

import java.util.Map;
import java.util.Objects;

/**
 * Prequential (test-then-train) evaluation after one batch of an online run: the batch was
 * evaluated with the model as it stood before training on it.
 *
 * @param evaluated the evaluation outputs of this batch alone
 * @param cumulative the evaluation outputs merged over every batch of the run so far
 * @param window the evaluation outputs merged over the last {@code windowSize} batches
 * @param fading each computed value of the per-batch outputs, averaged with the fading factor
 *     (see {@link Prequential})
 * @param batches the number of batches evaluated so far, this one included
 * @param rowErrors each row's error in this batch, in row order, predicted before the batch
 *     trained, when the experiment implements {@link io.solstice.core.RowEvaluation}; null
 *     otherwise. The row-level error stream a drift detector watches; read, do not change it
 * @param <M> the metrics type
 */
public record PrequentialMetrics<M>(
    M evaluated, M cumulative, M window, Map<String, Double> fading, long batches,
    double[] rowErrors) {

  /**
   * Validates the fields and freezes the fading values.
   *
   * @param evaluated this batch's evaluation
   * @param cumulative every evaluation so far, merged
   * @param window the last evaluations, merged
   * @param fading the fading averages by name
   * @param batches batches evaluated so far
   * @param rowErrors each row's error, or null
   */
  public PrequentialMetrics {
    Objects.requireNonNull(evaluated, "evaluated");
    Objects.requireNonNull(cumulative, "cumulative");
    Objects.requireNonNull(window, "window");
    fading = Map.copyOf(fading);
  }

  /**
   * An evaluation without row errors.
   *
   * @param evaluated this batch's evaluation
   * @param cumulative every evaluation so far, merged
   * @param window the last evaluations, merged
   * @param fading the fading averages by name
   * @param batches batches evaluated so far
   */
  public PrequentialMetrics(
      M evaluated, M cumulative, M window, Map<String, Double> fading, long batches) {
    this(evaluated, cumulative, window, fading, batches, null);
  }
}
