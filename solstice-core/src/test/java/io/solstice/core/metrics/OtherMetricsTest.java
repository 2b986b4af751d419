package io.solstice.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class OtherMetricsTest {

  @Test
  void meanMetricWeightsEachExampleEqually() {
    MeanMetric batchOf3 = MeanMetric.ofMean("loss", 2.0, 3);
    MeanMetric batchOf1 = MeanMetric.ofMean("loss", 6.0, 1);

    assertThat(batchOf3.merge(batchOf1).compute()).containsExactly(entry("loss", 3.0));
    assertThat(MeanMetric.empty("loss").compute()).containsExactly(entry("loss", 0.0));
  }

  @Test
  void meanMetricRefusesToMergeDifferentNamesOrNegativeWeights() {
    assertThatThrownBy(() -> MeanMetric.of("loss", 1).merge(MeanMetric.of("acc", 1)))
        .hasMessage("cannot merge mean 'loss' with mean 'acc'");
    assertThatThrownBy(() -> new MeanMetric("loss", 1, -1)).hasMessageContaining("weight of 'loss'");
  }

  @Test
  void regressionMetricsOnAHandWorkedExample() {
    // errors: 1, -1, 2, 0 -> SSE 6, SAE 4; targets 1,2,3,4: mean 2.5, SST 5
    RegressionMetrics metrics = RegressionMetrics.of(new double[] {2, 1, 5, 4}, new double[] {1, 2, 3, 4});

    var values = metrics.compute();
    assertThat(values.get("mse")).isEqualTo(1.5);
    assertThat(values.get("rmse")).isCloseTo(Math.sqrt(1.5), within(1e-15));
    assertThat(values.get("mae")).isEqualTo(1.0);
    assertThat(values.get("r2")).isCloseTo(1 - 6 / 5.0, within(1e-12));
    assertThat(values.get("count")).isEqualTo(4.0);
  }

  @Test
  void regressionMetricsFollowScikitLearnForConstantTargetsAndNoData() {
    assertThat(RegressionMetrics.of(new double[] {3, 3}, new double[] {3, 3}).compute().get("r2")).isEqualTo(1.0);
    assertThat(RegressionMetrics.of(new double[] {2, 3}, new double[] {3, 3}).compute().get("r2")).isEqualTo(0.0);
    assertThat(RegressionMetrics.none().compute().values()).containsOnly(0.0);
  }

  @Test
  void regressionMetricsAcceptArraysAndRejectBadInput() {
    var fromArrays = RegressionMetrics.of(Nd4j.createFromArray(1f, 2f), Nd4j.createFromArray(1f, 4f));
    assertThat(fromArrays.compute().get("mse")).isEqualTo(2.0);

    assertThatThrownBy(() -> RegressionMetrics.of(new double[] {1}, new double[] {1, 2}))
        .hasMessageContaining("differ in length: 1 vs 2");
    assertThatThrownBy(() -> RegressionMetrics.of(new double[] {1, 2}, new double[] {1, Double.NaN}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("non-finite target at index 1: NaN; targets must be finite");
    assertThatThrownBy(() -> RegressionMetrics.of(Nd4j.zeros(2, 1), Nd4j.zeros(2)))
        .hasMessageContaining("differ in shape");
  }

  @Test
  void regressionMetricsKeepNonFinitePredictionsThroughMergeAndComputeSoThatTheEnginesPolicySeesThem() {
    RegressionMetrics finite = RegressionMetrics.of(new double[] {2, 1}, new double[] {1, 2});
    RegressionMetrics nan = RegressionMetrics.of(new double[] {Double.NaN}, new double[] {1});
    RegressionMetrics infinite =
        RegressionMetrics.of(new double[] {Double.NEGATIVE_INFINITY}, new double[] {3});

    assertThat(nan.compute()).hasEntrySatisfying("mse", v -> assertThat(v).isNaN())
        .hasEntrySatisfying("rmse", v -> assertThat(v).isNaN())
        .hasEntrySatisfying("mae", v -> assertThat(v).isNaN())
        .hasEntrySatisfying("r2", v -> assertThat(v).isNaN())
        .containsEntry("count", 1.0);
    assertThat(finite.merge(nan).compute().get("mse")).isNaN();
    assertThat(nan.merge(finite).compute().get("r2")).isNaN();
    assertThat(finite.merge(infinite).compute())
        .containsEntry("mse", Double.POSITIVE_INFINITY)
        .containsEntry("mae", Double.POSITIVE_INFINITY)
        .containsEntry("r2", Double.NEGATIVE_INFINITY)
        .containsEntry("count", 3.0);
    // Constant targets: an infinite error is not reported as the 0 of an imperfect fit.
    assertThat(infinite.compute().get("r2")).isEqualTo(Double.NEGATIVE_INFINITY);
  }

  @Test
  void metricGroupReportsPartsInOrderAndRejectsDuplicateKeys() {
    MetricGroup group = MetricGroup.of(
        ClassificationMetrics.of(new int[] {1}, new int[] {1}, 0.5, 2), MeanMetric.of("grad_norm", 3));

    assertThat(group.compute()).containsEntry("accuracy", 1.0).containsEntry("grad_norm", 3.0);
    assertThat(group.compute().keySet()).startsWith("accuracy").endsWith("grad_norm");
    assertThat(group.part(MeanMetric.class).mean()).isEqualTo(3.0);
    assertThatThrownBy(() -> MetricGroup.of(MeanMetric.of("loss", 1), MeanMetric.of("loss", 2)))
        .hasMessageContaining("key 'loss' is reported by more than one part");
    assertThatThrownBy(() -> group.merge(MetricGroup.of(MeanMetric.of("x", 1))))
        .hasMessageContaining("group of 2 parts with one of 1");
  }
}
