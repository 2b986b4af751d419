package io.solstice.spark.internal;

import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.spark.MetricsCodec;
import java.io.Serializable;

/**
 * Ships {@link ClassificationMetrics} as (classes, confusion matrix, loss sum, count) and
 * rebuilds them from one (prediction, target) pair per example: the only public factory of
 * the type. Rounds' example counts are small enough for that to be cheap.
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
public final class ClassificationMetricsCodec implements MetricsCodec<ClassificationMetrics> {
  private static final long serialVersionUID = 1L;

  /** What travels. */
  private record Encoded(int classes, long[][] confusion, double lossSum, long count)
      implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  @Override
  public Serializable encode(ClassificationMetrics metrics) {
    return new Encoded(
        metrics.numClasses(), metrics.confusionMatrix(), metrics.lossSum(), metrics.count());
  }

  @Override
  public ClassificationMetrics decode(Serializable encoded) {
    Encoded e = (Encoded) encoded;
    int n = Math.toIntExact(e.count());
    int[] predictions = new int[n];
    int[] targets = new int[n];
    int at = 0;
    for (int truth = 0; truth < e.classes(); truth++) {
      for (int predicted = 0; predicted < e.classes(); predicted++) {
        for (long k = 0; k < e.confusion()[truth][predicted]; k++) {
          predictions[at] = predicted;
          targets[at] = truth;
          at++;
        }
      }
    }
    double meanLoss = n == 0 ? 0 : e.lossSum() / n;
    return ClassificationMetrics.of(predictions, targets, meanLoss, e.classes());
  }
}
