package io.solstice.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.io.Json;
import io.solstice.core.testing.OwnMetrics;
import io.solstice.core.testing.RandomCases;
import io.solstice.core.testing.SavableOwnMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The saved form of the built-in metrics, through JSON as a checkpoint's manifest takes it:
 * metrics saved part-way through the data, restored and merged with the rest, compute exactly
 * (bit for bit) what the metrics merged without the trip compute.
 */
class MetricsStateTest {

  private static final int CASES = 300;

  /** Saved, written as JSON, read back and restored. */
  private static Metrics<?> throughJson(Metrics<?> metrics) {
    Map<String, Object> saved = MetricsState.save(metrics);
    assertThat(saved).as("saved form of %s", metrics).isNotNull();
    try {
      return MetricsState.restore(Json.readObject(Json.write(saved)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void assertResumesExactly(Metrics first, Metrics rest) {
    Metrics restored = throughJson(first);
    assertThat(restored.getClass()).isEqualTo(first.getClass());
    assertThat(restored.compute()).isEqualTo(first.compute());
    assertThat(((Metrics) restored.merge(rest)).compute()).isEqualTo(((Metrics) first.merge(rest)).compute());
  }

  @Test
  void everyBuiltInTypeResumesBitForBitAfterAnySplit() {
    RandomCases.check(CASES, 11, random -> {
      MetricLawsTest.Data data = MetricLawsTest.Data.random(random);
      int cut = data.cuts(random)[0];
      int n = data.size();
      assertResumesExactly(data.classification(0, cut), data.classification(cut, n));
      assertResumesExactly(data.regression(0, cut), data.regression(cut, n));
      assertResumesExactly(data.mean(0, cut), data.mean(cut, n));
      assertResumesExactly(
          MetricGroup.of(data.classification(0, cut), data.mean(0, cut)),
          MetricGroup.of(data.classification(cut, n), data.mean(cut, n)));
      double[][] rows = new double[n][2];
      for (int i = 0; i < n; i++) {
        rows[i] = new double[] {data.losses()[i], data.predictions()[i]};
      }
      FeatureMoments head = FeatureMoments.of(java.util.Arrays.copyOfRange(rows, 0, cut));
      FeatureMoments tail = FeatureMoments.of(java.util.Arrays.copyOfRange(rows, cut, n));
      assertResumesExactly(head, tail);
    });
  }

  @Test
  void aNonFiniteLossSurvivesTheTrip() {
    ClassificationMetrics diverged = ClassificationMetrics.of(new int[] {0, 1}, new int[] {1, 1}, Double.NaN, 2);
    Metrics<?> restored = throughJson(diverged);

    assertThat(((ClassificationMetrics) restored).lossSum()).isNaN();
    assertThat(restored).isEqualTo(diverged);
  }

  @Test
  void aTypeOfTheUsersOwnHasNoSavedForm() {
    assertThat(MetricsState.savable(new OwnMetrics(1))).isFalse();
    assertThat(MetricsState.save(new OwnMetrics(1))).isNull();
    assertThat(MetricsState.save(MetricGroup.of(MeanMetric.of("x", 1), new OwnMetrics(1)))).isNull();
    assertThat(MetricsState.savable(MetricGroup.of(MeanMetric.of("x", 1)))).isTrue();
  }

  @Test
  void aSavableTypeOfTheUsersOwnResumesThroughItsConstructorAloneAndInAGroup() {
    SavableOwnMetrics first = new SavableOwnMetrics(0.1 + 0.2, 3);
    SavableOwnMetrics rest = new SavableOwnMetrics(Double.NEGATIVE_INFINITY, 1);

    assertThat(MetricsState.savable(first)).isTrue();
    assertResumesExactly(first, rest);
    assertThat(throughJson(first)).isEqualTo(first);
    assertResumesExactly(MetricGroup.of(MeanMetric.of("loss", 0.5), first),
        MetricGroup.of(MeanMetric.of("loss", 0.25), rest));
  }

  @Test
  void aSavedOwnTypeThatCannotBeRebuiltIsRefusedSayingWhy() {
    Map<String, Object> saved = new LinkedHashMap<>(MetricsState.save(new SavableOwnMetrics(1, 1)));

    saved.put("class", OwnMetrics.class.getName());
    assertThatThrownBy(() -> MetricsState.restore(saved)).isInstanceOf(IllegalArgumentException.class)
        .hasRootCauseMessage(OwnMetrics.class.getName() + " does not implement SavableMetrics");
    saved.put("class", "com.example.Gone");
    assertThatThrownBy(() -> MetricsState.restore(saved))
        .hasRootCauseMessage("metrics class com.example.Gone is not on the class path");
    saved.put("class", WithoutConstructor.class.getName());
    assertThatThrownBy(() -> MetricsState.restore(saved)).hasMessageContaining("not a saved form of metrics")
        .cause().hasMessageContaining("has no public constructor taking its state");
  }

  /** Savable, but without the constructor that takes its state back. */
  public record WithoutConstructor(double value) implements SavableMetrics<WithoutConstructor> {
    @Override
    public Map<String, Object> state() {
      return Map.of("value", value);
    }

    @Override
    public WithoutConstructor merge(WithoutConstructor other) {
      return new WithoutConstructor(value + other.value);
    }

    @Override
    public WithoutConstructor empty() {
      return new WithoutConstructor(0);
    }

    @Override
    public Map<String, Double> compute() {
      return Map.of("value", value);
    }
  }

  @Test
  void aMapThatIsNotASavedFormIsRefusedWithWhatWasWrong() {
    Map<String, Object> unknown = Map.of("type", "histogram");
    assertThatThrownBy(() -> MetricsState.restore(unknown))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a saved form of metrics")
        .hasRootCauseMessage("unknown metrics type 'histogram'");

    Map<String, Object> lying = new LinkedHashMap<>(MetricsState.save(
        ClassificationMetrics.of(new int[] {0, 1}, new int[] {1, 1}, 0.5, 2)));
    lying.put("count", 3);
    assertThatThrownBy(() -> MetricsState.restore(lying))
        .isInstanceOf(IllegalArgumentException.class)
        .rootCause().hasMessageContaining("sum to the count 3");
  }
}
