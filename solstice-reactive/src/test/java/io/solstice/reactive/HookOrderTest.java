package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Recorder;
import io.solstice.reactive.fixtures.Sources;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hook order and step numbering written in {@link Solstice}'s Javadoc. */
class HookOrderTest {

  private final Ledger ledger = new Ledger();
  private final List<String> log = Recorder.newLog();

  @Test
  void trainWithValidationOverTwoEpochsCallsEveryHookOfEveryCallbackInTheDocumentedOrder() {
    Recorder a = Recorder.of("a", log);
    Recorder b = Recorder.of("b", log);

    CountingExperiment result = Solstice.train(CountingExperiment.fresh(), 2,
            Sources.counting(ledger, 2), Sources.counting(ledger, 1), List.of(a, b))
        .block();

    List<String> expected = new ArrayList<>();
    both(expected, "onEpochStart(0,TRAIN)");
    both(expected, "onStepStart(0,TRAIN)");
    both(expected, "onStepEnd(0,TRAIN)");
    both(expected, "onStepStart(1,TRAIN)");
    both(expected, "onStepEnd(1,TRAIN)");
    both(expected, "onEpochEnd(0,TRAIN)");
    both(expected, "onEpochStart(0,VAL)");
    both(expected, "onStepStart(0,VAL)");
    both(expected, "onStepEnd(0,VAL)");
    both(expected, "onEpochEnd(0,VAL)");
    both(expected, "onEpochStart(1,TRAIN)");
    both(expected, "onStepStart(2,TRAIN)");
    both(expected, "onStepEnd(2,TRAIN)");
    both(expected, "onStepStart(3,TRAIN)");
    both(expected, "onStepEnd(3,TRAIN)");
    both(expected, "onEpochEnd(1,TRAIN)");
    both(expected, "onEpochStart(1,VAL)");
    both(expected, "onStepStart(1,VAL)");
    both(expected, "onStepEnd(1,VAL)");
    both(expected, "onEpochEnd(1,VAL)");
    both(expected, "onRunEnd(COMPLETED)");
    assertThat(log).containsExactlyElementsOf(expected);
    assertThat(result.trained()).isEqualTo(4);
    assertThat(result.evaluated()).isEqualTo(2);
    assertThat(a.outcome()).isEqualTo(RunOutcome.COMPLETED);
  }

  @Test
  void everyHookAndStepRunsOnOneTrainingThreadAndSourcesAreReadOnAnother() {
    Recorder a = Recorder.of("a", log);
    CountingExperiment start = CountingExperiment.fresh();

    Solstice.train(start, 3, Sources.counting(ledger, 5), Sources.counting(ledger, 2), List.of(a))
        .block();

    assertThat(a.threads()).hasSize(1);
    Thread trainingThread = a.threads().iterator().next();
    assertThat(trainingThread.getName()).startsWith("solstice-step-");
    assertThat(start.stepThreads()).containsExactly(trainingThread);
    assertThat(ledger.sourceThreads())
        .isNotEmpty()
        .allSatisfy(t -> assertThat(t.getName()).startsWith("solstice-source-"))
        .doesNotContain(trainingThread);
  }

  @Test
  void validationRunsAfterEveryNthEpochOnly() {
    Recorder a = Recorder.of("a", log);

    Solstice.train(CountingExperiment.fresh(), 4, Sources.counting(ledger, 1),
            Sources.counting(ledger, 1), List.of(a),
            TrainOptions.builder().validateEveryEpochs(2).build())
        .block();

    assertThat(log).filteredOn(l -> l.contains("onEpochStart"))
        .containsExactly("a:onEpochStart(0,TRAIN)", "a:onEpochStart(1,TRAIN)",
            "a:onEpochStart(1,VAL)", "a:onEpochStart(2,TRAIN)", "a:onEpochStart(3,TRAIN)",
            "a:onEpochStart(3,VAL)");
  }

  @Test
  void validationEveryNStepsRunsAWholeValEpochBetweenTrainSteps() {
    Recorder a = Recorder.of("a", log);

    Solstice.train(CountingExperiment.fresh(), 1, Sources.counting(ledger, 4),
            Sources.counting(ledger, 1), List.of(a),
            TrainOptions.builder().validateEverySteps(2).build())
        .block();

    assertThat(log).containsExactly(
        "a:onEpochStart(0,TRAIN)",
        "a:onStepStart(0,TRAIN)", "a:onStepEnd(0,TRAIN)",
        "a:onStepStart(1,TRAIN)", "a:onStepEnd(1,TRAIN)",
        "a:onEpochStart(0,VAL)", "a:onStepStart(0,VAL)", "a:onStepEnd(0,VAL)", "a:onEpochEnd(0,VAL)",
        "a:onStepStart(2,TRAIN)", "a:onStepEnd(2,TRAIN)",
        "a:onStepStart(3,TRAIN)", "a:onStepEnd(3,TRAIN)",
        "a:onEpochStart(0,VAL)", "a:onStepStart(1,VAL)", "a:onStepEnd(1,VAL)", "a:onEpochEnd(0,VAL)",
        "a:onEpochEnd(0,TRAIN)",
        "a:onRunEnd(COMPLETED)");
  }

  @Test
  void aTestRunIsOneTestEpochNumberedFromZero() {
    Recorder a = Recorder.of("a", log);

    List<io.solstice.core.metrics.MeanMetric> outputs =
        Solstice.test(CountingExperiment.fresh(), Sources.counting(ledger, 3), List.of(a)).block();

    assertThat(log).containsExactly("a:onEpochStart(0,TEST)",
        "a:onStepStart(0,TEST)", "a:onStepEnd(0,TEST)",
        "a:onStepStart(1,TEST)", "a:onStepEnd(1,TEST)",
        "a:onStepStart(2,TEST)", "a:onStepEnd(2,TEST)",
        "a:onEpochEnd(0,TEST)", "a:onRunEnd(COMPLETED)");
    assertThat(outputs).extracting(m -> m.mean()).containsExactly(0.0, 1.0, 2.0);
  }

  @Test
  void stepResultsCarryModeEpochPerModeGlobalStepAndTheResumePosition() {
    List<StepResult<CountingExperiment, io.solstice.core.metrics.MeanMetric>> results =
        Solstice.run(CountingExperiment.fresh(), 2, Sources.counting(ledger, 2),
                Sources.counting(ledger, 1), List.of(), TrainOptions.defaults())
            .collectList().block();

    assertThat(results).extracting(r -> r.mode() + "/" + r.epoch() + "/" + r.globalStep())
        .containsExactly("TRAIN/0/0", "TRAIN/0/1", "VAL/0/0", "TRAIN/1/2", "TRAIN/1/3", "VAL/1/1");
    assertThat(results).extracting(StepResult::position).extracting(p ->
            p.epoch() + "/" + p.batchesIntoEpoch() + "/" + p.trainSteps() + "/" + p.valSteps())
        .containsExactly("0/1/1/0", "0/2/2/0", "0/2/2/1", "1/1/3/1", "1/2/4/1", "1/2/4/2");
    assertThat(results).allSatisfy(r -> assertThat(r.prequentialMetrics()).isEmpty());
    assertThat(results.get(4).experiment().trained()).isEqualTo(4);
    assertThat(results.stream().filter(r -> r.mode() == Mode.TRAIN)).hasSize(4);
  }

  @Test
  void aStepResultIsEmittedAfterOnStepEndOnceItsBatchIsClosedAndBeforeTheNextStep() {
    List<String> seenAtEmission = new java.util.concurrent.CopyOnWriteArrayList<>();

    Solstice.run(CountingExperiment.fresh(), 1, Sources.counting(ledger, 3), null,
            List.of(Recorder.of("a", log)), TrainOptions.defaults())
        .doOnNext(r -> {
          long batchId = (long) r.outputs().mean();
          seenAtEmission.add(log.get(log.size() - 1) + " closed=" + ledger.isClosed(batchId));
        })
        .blockLast();

    assertThat(seenAtEmission).containsExactly(
        "a:onStepEnd(0,TRAIN) closed=true",
        "a:onStepEnd(1,TRAIN) closed=true",
        "a:onStepEnd(2,TRAIN) closed=true");
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void everyBatchOfACompletedRunIsClosedExactlyOnce() {
    Solstice.train(CountingExperiment.fresh(), 3, Sources.counting(ledger, 7),
        Sources.counting(ledger, 3), List.of()).block();

    assertThat(ledger.created()).isEqualTo(3 * 7 + 3 * 3);
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  private static void both(List<String> expected, String hook) {
    expected.add("a:" + hook);
    expected.add("b:" + hook);
  }
}
