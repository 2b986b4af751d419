package io.solstice.reactive.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.core.metrics.MetricGroup;
import io.solstice.core.metrics.Metrics;
import io.solstice.core.metrics.RegressionMetrics;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which step outputs carry a loss the non-finite policy checks: a {@code MeanMetric}'s mean, a
 * {@code Metrics}' {@code "loss"}, and for metrics without one (the built-in regressor's
 * {@code RegressionMetrics}) their {@code "mse"}.
 */
class NonFiniteCheckTest {

  @Test
  void seesTheBuiltInClassifiersNonFiniteLoss() {
    assertThat(NonFiniteCheck.loss(ClassificationMetrics.of(new int[] {0}, new int[] {1}, Double.NaN, 2)))
        .isEqualTo("loss (loss = NaN)");
    assertThat(NonFiniteCheck.loss(ClassificationMetrics.of(new int[] {0}, new int[] {1}, 0.7, 2))).isNull();
  }

  @Test
  void seesTheBuiltInRegressorsDivergedPredictionsByTheirSquaredError() {
    RegressionMetrics diverged = RegressionMetrics.of(new double[] {1, Double.POSITIVE_INFINITY}, new double[] {1, 2});

    assertThat(NonFiniteCheck.loss(diverged)).isEqualTo("loss (mse = Infinity)");
    assertThat(NonFiniteCheck.loss(MetricGroup.of(diverged, MeanMetric.of("grad_norm", 1))))
        .isEqualTo("loss (mse = Infinity)");
    assertThat(NonFiniteCheck.loss(RegressionMetrics.of(new double[] {1, 3}, new double[] {1, 2}))).isNull();
  }

  @Test
  void aLossEntryWinsOverAnMseEntry() {
    assertThat(NonFiniteCheck.loss(new Fixed(Map.of("loss", 1.0, "mse", Double.NaN)))).isNull();
    assertThat(NonFiniteCheck.loss(new Fixed(Map.of("loss", Double.NaN, "mse", 1.0))))
        .isEqualTo("loss (loss = NaN)");
  }

  @Test
  void outputsWithoutALossAreNotChecked() {
    assertThat(NonFiniteCheck.loss(new Fixed(Map.of("accuracy", Double.NaN)))).isNull();
    assertThat(NonFiniteCheck.loss("not metrics")).isNull();
  }

  /** Metrics that compute fixed values. */
  private record Fixed(Map<String, Double> values) implements Metrics<Fixed> {
    @Override
    public Fixed merge(Fixed other) {
      return this;
    }

    @Override
    public Fixed empty() {
      return this;
    }

    @Override
    public Map<String, Double> compute() {
      return values;
    }
  }
}
