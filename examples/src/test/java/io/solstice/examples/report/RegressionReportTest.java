package io.solstice.examples.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.metrics.RegressionMetrics;
import org.junit.jupiter.api.Test;

/** The regression report keeps every figure readable, whatever the target's units. */
class RegressionReportTest {

  @Test
  void figuresInTheUsualRangeHaveFourDecimals() {
    // Errors 0.5, -0.5, 1 and 0: MAE 0.5, MSE 0.375.
    RegressionMetrics m = RegressionMetrics.of(new double[] {1.5, 1.5, 4, 4}, new double[] {1, 2, 3, 4});

    assertThat(RegressionReport.format(m).lines().toList()).contains(
        "   mae         0.5000   mean absolute error",
        "   mse         0.3750   mean squared error",
        "  rows              4");
  }

  @Test
  void aTargetInTheBillionsIsReportedInScientificNotation() {
    RegressionMetrics m = RegressionMetrics.of(new double[] {1e12, 3e12}, new double[] {1.1e12, 2.9e12});

    assertThat(RegressionReport.format(m).lines().toList()).contains(
        "   mae     1.0000e+11   mean absolute error",
        "   mse     1.0000e+22   mean squared error");
  }
}
