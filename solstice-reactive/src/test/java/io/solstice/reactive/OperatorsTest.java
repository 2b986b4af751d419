package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Mode;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.MetricOperators.EpochMetrics;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Sources;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** The train step as an operator, and the metric operators. */
class OperatorsTest {

  @Test
  void theTrainStepComposesWithFluxTransformAndClosesEveryBatchOnce() {
    Ledger ledger = new Ledger();

    List<MeanMetric> perTen = Sources.counting(ledger, 35)
        .transform(Solstice.trainStep(CountingExperiment.fresh()))
        .map(StepResult::outputs)
        .transform(MetricOperators.tumbling(10))
        .collectList().block();

    assertThat(perTen).extracting(MeanMetric::weight).containsExactly(10.0, 10.0, 10.0, 5.0);
    assertThat(perTen).extracting(MeanMetric::mean).containsExactly(4.5, 14.5, 24.5, 32.0);
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void theTrainStepContinuesWithEachReturnedExperimentAndNumbersFromZero() {
    List<StepResult<CountingExperiment, MeanMetric>> results = Sources.counting(new Ledger(), 4)
        .transform(Solstice.trainStep(CountingExperiment.fresh()))
        .collectList().block();

    assertThat(results).extracting(StepResult::globalStep).containsExactly(0L, 1L, 2L, 3L);
    assertThat(results).extracting(r -> r.experiment().trained()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(results).allSatisfy(r -> assertThat(r.mode()).isEqualTo(Mode.TRAIN));
  }

  @Test
  void theStepOperatorClosesBatchesOnceWhenTheStepFailsOrTheSubscriberCancels() {
    Ledger failing = new Ledger();
    StepVerifier.create(Sources.counting(failing, 10)
            .transform(Solstice.trainStep(CountingExperiment.withAction(n -> {
              if (n == 3) {
                throw new IllegalStateException("boom");
              }
            }))))
        .expectNextCount(3)
        .expectErrorMessage("boom")
        .verify(Duration.ofSeconds(5));
    assertThat(failing.created()).isEqualTo(4);
    assertThat(failing.notClosedExactlyOnce()).isEmpty();

    Ledger cancelled = new Ledger();
    Sources.counting(cancelled, 100)
        .publishOn(reactor.core.scheduler.Schedulers.single(), 8)
        .transform(Solstice.evalStep(CountingExperiment.fresh()))
        .take(5).blockLast();
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (cancelled.alive() > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(cancelled.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void mergedCumulativeAndSlidingAgreeWithMergingTheSameElementsByHand() {
    List<MeanMetric> values = IntStream.range(0, 7).mapToObj(i -> MeanMetric.of("v", i * i)).toList();

    MeanMetric merged = Flux.fromIterable(values).as(MetricOperators.merged()).block();
    List<MeanMetric> cumulative =
        Flux.fromIterable(values).transform(MetricOperators.cumulative()).collectList().block();
    List<MeanMetric> sliding =
        Flux.fromIterable(values).transform(MetricOperators.sliding(3)).collectList().block();

    assertThat(merged).isEqualTo(mergeByHand(values));
    for (int i = 0; i < values.size(); i++) {
      assertThat(cumulative.get(i)).isEqualTo(mergeByHand(values.subList(0, i + 1)));
      assertThat(sliding.get(i)).isEqualTo(mergeByHand(values.subList(Math.max(0, i - 2), i + 1)));
    }
  }

  @Test
  void perEpochMergesTheStepsOfEachModeAndEpoch() {
    List<StepResult<CountingExperiment, MeanMetric>> results = Solstice.run(
            CountingExperiment.fresh(), 2, Sources.counting(new Ledger(), 3),
            Sources.counting(new Ledger(), 2), List.of(), TrainOptions.defaults())
        .collectList().block();

    List<EpochMetrics<MeanMetric>> epochs =
        Flux.fromIterable(results).transform(MetricOperators.perEpoch()).collectList().block();

    assertThat(epochs).extracting(e -> e.mode() + "/" + e.epoch() + "/" + e.steps())
        .containsExactly("TRAIN/0/3", "VAL/0/2", "TRAIN/1/3", "VAL/1/2");
    for (EpochMetrics<MeanMetric> epoch : epochs) {
      assertThat(epoch.metrics()).isEqualTo(mergeByHand(results.stream()
          .filter(r -> r.mode() == epoch.mode() && r.epoch() == epoch.epoch())
          .map(StepResult::outputs).toList()));
    }
  }

  @Test
  void testMetricsMergesTheOutputsOfEveryTestStep() {
    MeanMetric metrics = Solstice.testMetrics(CountingExperiment.fresh(),
        Sources.counting(new Ledger(), 5), List.of()).block();

    assertThat(metrics).isEqualTo(new MeanMetric("id", 0 + 1 + 2 + 3 + 4, 5));
  }

  private static MeanMetric mergeByHand(List<MeanMetric> values) {
    double sum = 0;
    double weight = 0;
    for (MeanMetric m : values) {
      sum += m.sum();
      weight += m.weight();
    }
    return new MeanMetric(values.get(0).name(), sum, weight);
  }
}
