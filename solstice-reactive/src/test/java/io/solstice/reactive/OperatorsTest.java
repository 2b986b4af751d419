package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Mode;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.EventLog;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Sources;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** The train step as an operator, the metric operators, and the epoch merges of the engine. */
class OperatorsTest {

  @Test
  void theTrainStepComposesWithFluxTransformAndClosesEveryBatchOnce() {
    Ledger ledger = new Ledger();

    List<MeanMetric> perTen = Sources.counting(ledger, 35)
        .transform(Solstice.trainStep(CountingExperiment.fresh()))
        .map(TrainingEvent.StepEnded::outputs)
        .transform(MetricOperators.tumbling(10))
        .collectList().block();

    assertThat(perTen).extracting(MeanMetric::weight).containsExactly(10.0, 10.0, 10.0, 5.0);
    assertThat(perTen).extracting(MeanMetric::mean).containsExactly(4.5, 14.5, 24.5, 32.0);
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void theTrainStepContinuesWithEachReturnedExperimentAndNumbersFromZero() {
    List<TrainingEvent.StepEnded<CountingExperiment, MeanMetric>> results =
        Sources.counting(new Ledger(), 4)
            .transform(Solstice.trainStep(CountingExperiment.fresh()))
            .collectList().block();

    assertThat(results).extracting(TrainingEvent.StepEnded::globalStep)
        .containsExactly(0L, 1L, 2L, 3L);
    assertThat(results).extracting(r -> r.experiment().trained()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(results).allSatisfy(r -> assertThat(r.mode()).isEqualTo(Mode.TRAIN));
  }

  @Test
  void aStopOnAnEmittedStepCompletesTheOperatorsStreamAfterThatStep() {
    Ledger ledger = new Ledger();

    StepVerifier.create(Sources.counting(ledger, 10)
            .transform(Solstice.evalStep(CountingExperiment.fresh()))
            .doOnNext(step -> {
              if (step.globalStep() == 2) {
                step.run().stop("three are enough");
              }
            }))
        .expectNextMatches(step -> step.globalStep() == 0 && step.mode() == Mode.TEST)
        .expectNextCount(2)
        .verifyComplete();
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
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

    // The operator owns no threads: batches queued in the caller's publishOn are discarded on
    // that scheduler's thread after the cancel, so this part waits for it.
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
  void epochEndsCarryTheMergeOfTheStepsOfEachModeAndEpoch() {
    List<TrainingEvent<CountingExperiment, MeanMetric>> events =
        Solstice.run(CountingExperiment.fresh())
            .train(Sources.counting(new Ledger(), 3)).validate(Sources.counting(new Ledger(), 2))
            .epochs(2)
            .events().collectList().block();

    assertThat(epochEnds(events)).containsExactly(
        "TRAIN/0/3/{id=1.0}", "VAL/0/2/{id=0.5}", "TRAIN/1/3/{id=4.0}", "VAL/1/2/{id=2.5}");
    assertThat(EventLog.assertEpochMetricsMergeTheirSteps(events)).isEqualTo(4);
  }

  @Test
  void withValidationEveryNStepsEachValidationAndTheInterruptedTrainEpochMergeOnlyTheirOwnSteps() {
    List<TrainingEvent<CountingExperiment, MeanMetric>> events =
        Solstice.run(CountingExperiment.fresh())
            .train(Sources.counting(new Ledger(), 5)).validate(Sources.counting(new Ledger(), 2))
            .validateEverySteps(2)
            .events().collectList().block();

    assertThat(epochEnds(events))
        .containsExactly("VAL/0/2/{id=0.5}", "VAL/0/2/{id=2.5}", "TRAIN/0/5/{id=2.0}");
    assertThat(EventLog.assertEpochMetricsMergeTheirSteps(events)).isEqualTo(3);
  }

  @Test
  void aTestRunsMetricsMergeTheOutputsOfEveryTestStep() {
    MeanMetric metrics = Solstice.run(CountingExperiment.fresh())
        .test(Sources.counting(new Ledger(), 5))
        .metrics().block();

    assertThat(metrics).isEqualTo(new MeanMetric("id", 0 + 1 + 2 + 3 + 4, 5));
  }

  /** Each EpochEnded as mode/epoch/steps/values. */
  private static List<String> epochEnds(List<? extends TrainingEvent<?, ?>> events) {
    return events.stream()
        .filter(TrainingEvent.EpochEnded.class::isInstance)
        .map(e -> (TrainingEvent.EpochEnded<?, ?>) e)
        .map(e -> e.mode() + "/" + e.epoch() + "/" + e.steps() + "/" + e.values())
        .toList();
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
