package io.solstice.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.solstice.core.testing.RandomCases;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** Column moments: one pass, mergeable, equal to the two-pass textbook computation. */
class FeatureMomentsTest {

  /** Rows whose columns have means up to 1e6 and scales from 1e-2 to 1e4, plus a constant. */
  private static double[][] rows(Random random, int n) {
    double[][] rows = new double[n][4];
    for (int r = 0; r < n; r++) {
      rows[r][0] = 1e6 + random.nextGaussian() * 1e-2;
      rows[r][1] = random.nextGaussian() * 1e4;
      rows[r][2] = -3 + random.nextDouble();
      rows[r][3] = 7;
    }
    return rows;
  }

  private static double[] twoPassMean(double[][] rows, int c) {
    double sum = 0;
    for (double[] row : rows) {
      sum += row[c];
    }
    return new double[] {sum / rows.length};
  }

  private static double twoPassVariance(double[][] rows, int c) {
    double mean = twoPassMean(rows, c)[0];
    double sum = 0;
    for (double[] row : rows) {
      sum += (row[c] - mean) * (row[c] - mean);
    }
    return sum / rows.length;
  }

  @Test
  void mergedOverAnyBatchingEqualsTheTwoPassComputation() {
    RandomCases.check(200, 11, random -> {
      double[][] all = rows(random, 1 + random.nextInt(300));
      FeatureMoments merged = FeatureMoments.none();
      for (int start = 0; start < all.length; ) {
        int end = Math.min(all.length, start + 1 + random.nextInt(50));
        merged = merged.merge(FeatureMoments.of(Arrays.copyOfRange(all, start, end)));
        start = end;
      }
      assertThat(merged.count()).isEqualTo(all.length);
      for (int c = 0; c < 4; c++) {
        double variance = twoPassVariance(all, c);
        assertThat(merged.mean()[c]).as("mean %d", c)
            .isCloseTo(twoPassMean(all, c)[0], within(1e-12 * Math.max(1, Math.abs(twoPassMean(all, c)[0]))));
        // Relative 1e-7: the two-pass reference itself loses digits on a column at 1e6 +- 1e-2.
        assertThat(merged.variance()[c]).as("variance %d", c)
            .isCloseTo(variance, within(1e-7 * Math.max(1e-12, variance)));
      }
      assertThat(merged.variance()[3]).as("a constant column").isZero();
    });
  }

  @Test
  void mergeIsAssociativeAndNoneIsItsIdentity() {
    RandomCases.check(200, 12, random -> {
      FeatureMoments x = FeatureMoments.of(rows(random, 1 + random.nextInt(20)));
      FeatureMoments y = FeatureMoments.of(rows(random, 1 + random.nextInt(20)));
      FeatureMoments z = FeatureMoments.of(rows(random, 1 + random.nextInt(20)));
      var left = x.merge(y).merge(z).compute();
      var right = x.merge(y.merge(z)).compute();
      left.forEach((key, value) -> assertThat(right.get(key)).as(key)
          .isCloseTo(value, within(1e-9 * Math.max(1, Math.abs(value)))));
      assertThat(x.merge(x.empty())).isSameAs(x);
      assertThat(FeatureMoments.none().merge(x)).isSameAs(x);
    });
  }

  @Test
  void readsMatricesAndComputesNamedValues() {
    FeatureMoments moments = FeatureMoments.of(Nd4j.createFromArray(new float[][] {{1, 10}, {3, 10}}));
    assertThat(moments.compute()).containsExactly(
        java.util.Map.entry("count", 2.0), java.util.Map.entry("mean_0", 2.0), java.util.Map.entry("std_0", 1.0),
        java.util.Map.entry("mean_1", 10.0), java.util.Map.entry("std_1", 0.0));
    assertThat(FeatureMoments.of(Nd4j.createFromArray(1.0, 2.0, 3.0)).width()).isEqualTo(1);
  }

  @Test
  void refusesNonFiniteValuesAndMismatchedWidths() {
    assertThatThrownBy(() -> FeatureMoments.of(new double[][] {{1, Double.NaN}}))
        .hasMessageContaining("row 0, column 1 is NaN");
    assertThatThrownBy(() -> FeatureMoments.of(new double[][] {{1}}).merge(FeatureMoments.of(new double[][] {{1, 2}})))
        .hasMessageContaining("cannot merge moments of 1 and 2 columns");
  }
}
