package io.solstice.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.solstice.core.testing.RandomCases;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The laws every {@link Metrics} keeps, checked as properties over 1,000 seeded random data sets
 * each: merge is associative, {@code empty()} is its identity, and metrics merged over any split
 * of the data equal the metrics computed on all of it.
 */
class MetricLawsTest {

  private static final int CASES = 1000;

  /** A labelled data set: a class count and (prediction, target, loss) triples. */
  record Data(int numClasses, int[] predictions, int[] targets, double[] losses) {

    static Data random(Random random) {
      int k = 1 + random.nextInt(6);
      int n = random.nextInt(61);
      int[] p = new int[n];
      int[] t = new int[n];
      double[] l = new double[n];
      for (int i = 0; i < n; i++) {
        p[i] = random.nextInt(k);
        t[i] = random.nextInt(k);
        l[i] = random.nextDouble() * 5;
      }
      return new Data(k, p, t, l);
    }

    ClassificationMetrics classification(int from, int to) {
      double mean = 0;
      for (int i = from; i < to; i++) {
        mean += losses[i];
      }
      return ClassificationMetrics.of(
          Arrays.copyOfRange(predictions, from, to), Arrays.copyOfRange(targets, from, to),
          to == from ? 0 : mean / (to - from), numClasses);
    }

    RegressionMetrics regression(int from, int to) {
      double[] p = new double[to - from];
      double[] t = new double[to - from];
      for (int i = from; i < to; i++) {
        p[i - from] = predictions[i] + losses[i];
        t[i - from] = targets[i];
      }
      return RegressionMetrics.of(p, t);
    }

    MeanMetric mean(int from, int to) {
      MeanMetric metric = MeanMetric.empty("grad_norm");
      for (int i = from; i < to; i++) {
        metric = metric.merge(MeanMetric.of("grad_norm", losses[i]));
      }
      return metric;
    }

    /** Two cut points 0 <= a <= b <= n splitting the data into three parts, any of them empty. */
    int[] cuts(Random random) {
      int a = random.nextInt(predictions.length + 1);
      int b = random.nextInt(predictions.length + 1);
      return new int[] {Math.min(a, b), Math.max(a, b)};
    }

    int size() {
      return predictions.length;
    }
  }

  @Test
  void classificationMergeIsAssociative() {
    RandomCases.check(CASES, 1, random -> {
      Data data = Data.random(random);
      int[] cut = data.cuts(random);
      var x = data.classification(0, cut[0]);
      var y = data.classification(cut[0], cut[1]);
      var z = data.classification(cut[1], data.size());

      assertSameValues(x.merge(y).merge(z).compute(), x.merge(y.merge(z)).compute());
    });
  }

  @Test
  void classificationEmptyIsTheIdentity() {
    RandomCases.check(CASES, 2, random -> {
      Data data = Data.random(random);
      var metrics = data.classification(0, data.size());

      assertThat(metrics.merge(metrics.empty())).isEqualTo(metrics);
      assertThat(metrics.empty().merge(metrics)).isEqualTo(metrics);
      assertThat(metrics.empty().count()).isZero();
    });
  }

  @Test
  void classificationMergedOverAnySplitEqualsComputedOnAll() {
    RandomCases.check(CASES, 3, random -> {
      Data data = Data.random(random);
      int[] cut = data.cuts(random);
      var merged = data.classification(0, cut[0])
          .merge(data.classification(cut[0], cut[1]))
          .merge(data.classification(cut[1], data.size()));

      assertSameValues(merged.compute(), data.classification(0, data.size()).compute());
    });
  }

  @Test
  void regressionObeysTheLaws() {
    RandomCases.check(CASES, 4, random -> {
      Data data = Data.random(random);
      int[] cut = data.cuts(random);
      var x = data.regression(0, cut[0]);
      var y = data.regression(cut[0], cut[1]);
      var z = data.regression(cut[1], data.size());

      assertSameValues(x.merge(y).merge(z).compute(), data.regression(0, data.size()).compute());
      assertSameValues(x.merge(y).merge(z).compute(), x.merge(y.merge(z)).compute());
      assertSameValues(x.merge(x.empty()).compute(), x.compute());
    });
  }

  @Test
  void meanMetricObeysTheLaws() {
    RandomCases.check(CASES, 5, random -> {
      Data data = Data.random(random);
      int[] cut = data.cuts(random);
      MeanMetric x = data.mean(0, cut[0]);
      MeanMetric y = data.mean(cut[0], cut[1]);
      MeanMetric z = data.mean(cut[1], data.size());

      assertSameValues(x.merge(y).merge(z).compute(), x.merge(y.merge(z)).compute());
      assertSameValues(x.merge(y).merge(z).compute(), data.mean(0, data.size()).compute());
      assertThat(x.merge(x.empty())).isEqualTo(x);
    });
  }

  @Test
  void metricGroupMergesPartByPart() {
    RandomCases.check(CASES, 6, random -> {
      Data data = Data.random(random);
      int cut = data.cuts(random)[0];
      MetricGroup first = MetricGroup.of(data.classification(0, cut), data.mean(0, cut));
      MetricGroup second =
          MetricGroup.of(data.classification(cut, data.size()), data.mean(cut, data.size()));
      MetricGroup all = MetricGroup.of(data.classification(0, data.size()), data.mean(0, data.size()));

      assertSameValues(first.merge(second).compute(), all.compute());
      assertThat(first.merge(first.empty())).isEqualTo(first);
    });
  }

  @Test
  void theHarnessReportsAFailingCaseWithItsSeed() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> RandomCases.check(10, 7, random -> assertThat(random.nextInt(4)).isLessThan(0)))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("property failed on case 0 (case seed 7000021)");
  }

  private static void assertSameValues(Map<String, Double> actual, Map<String, Double> expected) {
    assertThat(actual.keySet()).containsExactlyElementsOf(List.copyOf(expected.keySet()));
    expected.forEach((key, value) -> assertThat(actual.get(key))
        .as(key).isCloseTo(value, within(1e-9 * Math.max(1, Math.abs(value)))));
  }
}
