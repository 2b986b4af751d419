package io.solstice.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** The laws every {@link Metrics} keeps: associativity, identity, split invariance. */
class MetricLawsProperties {

  /** A labelled data set: a class count and (prediction, target, loss) triples. */
  record Data(int numClasses, int[] predictions, int[] targets, double[] losses) {
    ClassificationMetrics classification(int from, int to) {
      int[] p = java.util.Arrays.copyOfRange(predictions, from, to);
      int[] t = java.util.Arrays.copyOfRange(targets, from, to);
      double mean = 0;
      for (int i = from; i < to; i++) {
        mean += losses[i];
      }
      return ClassificationMetrics.of(p, t, to == from ? 0 : mean / (to - from), numClasses);
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

    int size() {
      return predictions.length;
    }
  }

  @Provide
  Arbitrary<Data> data() {
    return Arbitraries.integers().between(1, 6).flatMap(k ->
        Arbitraries.integers().between(0, 60).flatMap(n -> Combinators.combine(
                Arbitraries.integers().between(0, k - 1).array(int[].class).ofSize(n),
                Arbitraries.integers().between(0, k - 1).array(int[].class).ofSize(n),
                Arbitraries.doubles().between(0, 5).array(double[].class).ofSize(n))
            .as((p, t, l) -> new Data(k, p, t, l))));
  }

  @Property
  void classificationMergeIsAssociative(
      @ForAll("data") Data data, @ForAll @IntRange(max = 100) int a, @ForAll @IntRange(max = 100) int b) {
    int[] cuts = cuts(data.size(), a, b);
    var x = data.classification(0, cuts[0]);
    var y = data.classification(cuts[0], cuts[1]);
    var z = data.classification(cuts[1], data.size());

    assertSameValues(x.merge(y).merge(z).compute(), x.merge(y.merge(z)).compute());
  }

  @Property
  void classificationEmptyIsTheIdentity(@ForAll("data") Data data) {
    var all = data.classification(0, data.size());

    assertThat(all.merge(all.empty())).isEqualTo(all);
    assertThat(all.empty().merge(all)).isEqualTo(all);
  }

  @Property
  void classificationMergedOverAnySplitEqualsComputedOnAll(
      @ForAll("data") Data data, @ForAll @IntRange(max = 100) int a, @ForAll @IntRange(max = 100) int b) {
    int[] cuts = cuts(data.size(), a, b);
    var merged = data.classification(0, cuts[0])
        .merge(data.classification(cuts[0], cuts[1]))
        .merge(data.classification(cuts[1], data.size()));

    assertSameValues(merged.compute(), data.classification(0, data.size()).compute());
  }

  @Property
  void regressionMergedOverAnySplitEqualsComputedOnAll(
      @ForAll("data") Data data, @ForAll @IntRange(max = 100) int a, @ForAll @IntRange(max = 100) int b) {
    int[] cuts = cuts(data.size(), a, b);
    var x = data.regression(0, cuts[0]);
    var y = data.regression(cuts[0], cuts[1]);
    var z = data.regression(cuts[1], data.size());

    assertSameValues(x.merge(y).merge(z).compute(), data.regression(0, data.size()).compute());
    assertSameValues(x.merge(y).merge(z).compute(), x.merge(y.merge(z)).compute());
    assertSameValues(x.merge(x.empty()).compute(), x.compute());
  }

  @Property
  void meanMetricObeysTheLaws(
      @ForAll("data") Data data, @ForAll @IntRange(max = 100) int a, @ForAll @IntRange(max = 100) int b) {
    int[] cuts = cuts(data.size(), a, b);
    MeanMetric x = mean(data, 0, cuts[0]);
    MeanMetric y = mean(data, cuts[0], cuts[1]);
    MeanMetric z = mean(data, cuts[1], data.size());

    assertSameValues(x.merge(y).merge(z).compute(), x.merge(y.merge(z)).compute());
    assertSameValues(x.merge(y).merge(z).compute(), mean(data, 0, data.size()).compute());
    assertThat(x.merge(x.empty())).isEqualTo(x);
  }

  @Property
  void metricGroupMergesPartByPart(
      @ForAll("data") Data data, @ForAll @IntRange(max = 100) int a) {
    int cut = data.size() * a / 100;
    MetricGroup first = MetricGroup.of(data.classification(0, cut), mean(data, 0, cut));
    MetricGroup second = MetricGroup.of(data.classification(cut, data.size()), mean(data, cut, data.size()));
    MetricGroup all = MetricGroup.of(data.classification(0, data.size()), mean(data, 0, data.size()));

    assertSameValues(first.merge(second).compute(), all.compute());
    assertThat(first.merge(first.empty())).isEqualTo(first);
  }

  private static MeanMetric mean(Data data, int from, int to) {
    MeanMetric metric = MeanMetric.empty("grad_norm");
    for (int i = from; i < to; i++) {
      metric = metric.merge(MeanMetric.of("grad_norm", data.losses()[i]));
    }
    return metric;
  }

  private static int[] cuts(int n, int a, int b) {
    int first = n * Math.min(a, b) / 100;
    int second = n * Math.max(a, b) / 100;
    return new int[] {first, second};
  }

  private static void assertSameValues(Map<String, Double> actual, Map<String, Double> expected) {
    assertThat(actual.keySet()).containsExactlyElementsOf(List.copyOf(expected.keySet()));
    expected.forEach((key, value) ->
        assertThat(actual.get(key)).as(key).isCloseTo(value, within(1e-9 * Math.max(1, Math.abs(value)))));
  }
}
