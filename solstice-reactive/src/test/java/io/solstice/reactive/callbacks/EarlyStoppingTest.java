package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.RunPosition;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.fixtures.StopAt;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Early stopping on scripted sequences of evaluations: the rules on hand-made epoch ends (one
 * value per val epoch), and real runs for the stop itself, windows of steps, the best
 * experiment and the criterion form.
 */
class EarlyStoppingTest {

  /**
   * Hands the subscriber one val epoch end per value (the merge of two val steps whose mean is
   * the value) and returns the index of the epoch at which it asked the run to stop, or -1.
   */
  private static int stopEpoch(TrainingSubscriber<Object, Object> subscriber, double... values)
      throws Exception {
    StubRun run = new StubRun();
    for (int epoch = 0; epoch < values.length; epoch++) {
      subscriber.onEvent(valEpochEnd(run, "exp", epoch, values[epoch]));
      if (run.isStopping()) {
        return epoch;
      }
    }
    return -1;
  }

  private static TrainingEvent<Object, Object> valEpochEnd(
      StubRun run, Object experiment, int epoch, double value) {
    MeanMetric merged = MeanMetric.of("loss", value - 1).merge(MeanMetric.of("loss", value + 1));
    return new TrainingEvent.EpochEnded<>(run, experiment, epoch, Mode.VAL, 2, merged,
        merged.compute(), new RunPosition(epoch + 1, 0, 0, 2L * (epoch + 1)), true);
  }

  /** The end of a val epoch that a stop cut short after its first step, of the given value. */
  private static TrainingEvent<Object, Object> cutShortValEpochEnd(
      StubRun run, int epoch, double value) {
    MeanMetric merged = MeanMetric.of("loss", value);
    return new TrainingEvent.EpochEnded<>(run, "exp", epoch, Mode.VAL, 1, merged,
        merged.compute(), new RunPosition(epoch, 1, epoch + 1, 2L * epoch), false);
  }

  private static EarlyStopping.Builder loss() {
    return EarlyStopping.monitor("loss");
  }

  @Test
  void stopsAfterPatienceEvaluationsWithoutImprovement() throws Exception {
    EarlyStopping es = loss().patience(2).build();

    assertThat(stopEpoch(es, 1.0, 0.8, 0.9, 0.85, 0.7)).isEqualTo(3);
    assertThat(es.bestValue()).isEqualTo(0.8);
    assertThat(es.bestEpoch()).isEqualTo(1);
    assertThat(es.stopReason()).hasValueSatisfying(reason -> assertThat(reason)
        .contains("val loss did not improve on 0.800000")
        .contains("for 2 evaluation(s) (patience 2)"));
  }

  @Test
  void anImprovementResetsTheWait() throws Exception {
    assertThat(stopEpoch(loss().patience(2).build(), 1.0, 1.1, 0.9, 1.0, 0.8, 0.85, 0.86))
        .isEqualTo(6);
  }

  @Test
  void improvementsSmallerThanMinDeltaDoNotCount() throws Exception {
    EarlyStopping es = loss().patience(2).minDelta(0.05).build();

    assertThat(stopEpoch(es, 1.0, 0.97, 0.96, 0.5)).isEqualTo(2);
    assertThat(es.bestValue()).isEqualTo(1.0);
  }

  @Test
  void maximisingMonitorsLargerValues() throws Exception {
    EarlyStopping es = loss().direction(Direction.MAX).patience(1).build();

    assertThat(stopEpoch(es, 0.5, 0.6, 0.7, 0.65)).isEqualTo(3);
    assertThat(es.bestValue()).isEqualTo(0.7);
  }

  @Test
  void stopsAtOnceOnNaNOrInfinity() throws Exception {
    EarlyStopping nan = loss().patience(10).build();
    assertThat(stopEpoch(nan, 1.0, 0.9, Double.NaN, 0.1)).isEqualTo(2);
    assertThat(nan.stopReason())
        .hasValueSatisfying(r -> assertThat(r).contains("val loss is NaN at epoch 2"));

    assertThat(stopEpoch(loss().patience(10).build(), 1.0, Double.POSITIVE_INFINITY)).isEqualTo(1);
  }

  @Test
  void nonFiniteValuesOnlyCountAsNoImprovementWhenNaNStopIsOff() throws Exception {
    EarlyStopping es = loss().patience(2).stopOnNonFinite(false).build();

    assertThat(stopEpoch(es, 1.0, Double.NaN, 0.9, Double.NaN, Double.NaN)).isEqualTo(4);
  }

  @Test
  void aBaselineMustBeBeatenBeforeAnythingCountsAsImprovement() throws Exception {
    EarlyStopping es = loss().patience(3).baseline(0.5).build();

    assertThat(stopEpoch(es, 0.9, 0.8, 0.7, 0.4)).isEqualTo(2);
    assertThat(stopEpoch(loss().patience(3).baseline(0.5).build(), 0.9, 0.45, 0.6, 0.6, 0.6))
        .isEqualTo(4);
  }

  @Test
  void stopsAtOnceWhenTheMetricDivergesPastTheThreshold() throws Exception {
    EarlyStopping es = loss().patience(10).divergenceThreshold(5).build();

    assertThat(stopEpoch(es, 1.0, 3.0, 5.0, 5.5, 0.1)).isEqualTo(3);
    assertThat(es.stopReason())
        .hasValueSatisfying(r -> assertThat(r).contains("divergence threshold 5.00000"));
  }

  @Test
  void stopsAsDoneWhenTheStoppingThresholdIsReached() throws Exception {
    assertThat(stopEpoch(loss().patience(10).stoppingThreshold(0.2).build(), 1.0, 0.5, 0.2, 0.1))
        .isEqualTo(2);
  }

  @Test
  void epochEndsOfOtherModesAndEpochsWithoutStepsAreNotEvaluations() throws Exception {
    EarlyStopping es = loss().patience(1).build();
    StubRun run = new StubRun();
    MeanMetric high = MeanMetric.of("loss", 9);

    es.onEvent(valEpochEnd(run, "exp", 0, 1.0));
    es.onEvent(new TrainingEvent.EpochEnded<>(run, "exp", 1, Mode.TRAIN, 3, high, high.compute(),
        new RunPosition(1, 3, 3, 2), true));
    es.onEvent(new TrainingEvent.EpochEnded<>(run, "exp", 1, Mode.VAL, 0, null, Map.of(),
        new RunPosition(2, 0, 3, 2), true));

    assertThat(run.stops()).isEmpty();
    assertThat(es.waitCount()).isZero();
    es.onEvent(valEpochEnd(run, "exp", 2, 2.0));
    assertThat(run.stops()).hasSize(1);
  }

  @Test
  void anEpochCutShortByAStopIsNoEvaluation() throws Exception {
    EarlyStopping es = loss().patience(1).build();
    StubRun run = new StubRun();

    es.onEvent(valEpochEnd(run, "exp", 0, 1.0));
    es.onEvent(cutShortValEpochEnd(run, 1, 0.1)); // would be the best
    es.onEvent(cutShortValEpochEnd(run, 1, 9.0)); // would run out of patience

    assertThat(es.bestValue()).isEqualTo(1.0);
    assertThat(es.bestEpoch()).isZero();
    assertThat(es.waitCount()).isZero();
    assertThat(es.saveState()).containsEntry("evaluations", 1L);
    assertThat(run.stops()).isEmpty();
  }

  @Test
  void aValidationCutShortInARealRunChangesNeitherTheBestNorTheBestExperiment() {
    EarlyStopping es = loss().patience(1).restoreBest(true).build();

    // One train batch per epoch and validations of two batches: 1.0 and 1.0, then 0.1 and 5.0,
    // which the stop at val step 2 cuts short after 0.1, the best value were it an evaluation.
    ScriptedLoss trained = Solstice.run(ScriptedLoss.fresh())
        .train(ScriptedLoss.script(1, new double[3]))
        .validate(ScriptedLoss.script(2, 1.0, 1.0, 0.1, 5.0, 1.0, 1.0))
        .epochs(3)
        .subscribers(StopAt.stepEnd(Mode.VAL, 2), es)
        .block();

    assertThat(es.bestValue()).isEqualTo(1.0);
    assertThat(es.bestEpoch()).isZero();
    assertThat(es.saveState()).containsEntry("evaluations", 1L);
    assertThat(es.restoreBest(trained).w()).as("the experiment validated after epoch 0")
        .isEqualTo(1);
  }

  @Test
  void aStepCadenceValidationCutShortInARealRunCountsNoWait() {
    EarlyStopping es = loss().patience(5).build();

    // Validations of two batches after every train step: 1.0 and 1.0, then 9.0 and 0.0, which
    // the stop at val step 2 cuts short after 9.0, no improvement were it an evaluation.
    Solstice.run(ScriptedLoss.fresh())
        .train(ScriptedLoss.script(3, new double[3]))
        .validate(ScriptedLoss.script(2, 1.0, 1.0, 9.0, 0.0, 1.0, 1.0))
        .epochs(1).validateEverySteps(1)
        .subscribers(StopAt.stepEnd(Mode.VAL, 2), es)
        .block();

    assertThat(es.waitCount()).isZero();
    assertThat(es.bestValue()).isEqualTo(1.0);
    assertThat(es.saveState()).containsEntry("evaluations", 1L);
  }

  @Test
  void stopsARealRunAtTheValidationWherePatienceRunsOut() {
    EarlyStopping es = EarlyStopping.monitor("loss").patience(2).build();
    List<TrainingEvent<ScriptedLoss, MeanMetric>> events = Solstice.run(ScriptedLoss.fresh())
        .train(ScriptedLoss.script(2, new double[20]))
        .validate(ScriptedLoss.script(1, 1.0, 0.8, 0.9, 0.85, 0.7))
        .epochs(10)
        .subscribers(es)
        .events().collectList().block();

    TrainingEvent.RunEnded<ScriptedLoss, MeanMetric> end =
        (TrainingEvent.RunEnded<ScriptedLoss, MeanMetric>) events.get(events.size() - 1);
    assertThat(end.outcome().status()).isEqualTo(RunOutcome.Status.STOPPED_EARLY);
    assertThat(end.outcome().cause()).hasMessage(es.stopReason().orElseThrow());
    assertThat(events).filteredOn(e -> e instanceof TrainingEvent.ValidationEnded<?, ?>)
        .hasSize(4);
    // Stopped from the val epoch end of epoch 3: no later train step ran.
    assertThat(end.experiment().w()).isEqualTo(8);
    assertThat(es.bestEpoch()).isEqualTo(1);
  }

  @Test
  void evaluatesWindowsOfExactlyNStepsAcrossEpochBoundariesWhenAsked() {
    EarlyStopping es = loss().mode(Mode.TRAIN).everySteps(3).patience(1).build();
    double[] perStep = {3, 3, 3, 2, 2, 2, 2, 2, 5, 1, 1, 1};

    List<TrainingEvent<ScriptedLoss, MeanMetric>> events = Solstice.run(ScriptedLoss.fresh())
        .train(ScriptedLoss.script(4, perStep)) // epochs of 4 steps: windows span epochs
        .epochs(3)
        .subscribers(es)
        .events().collectList().block();

    // Windows: [3,3,3]=3, [2,2,2]=2, [2,2,5]=3 -> no improvement at the window ending at step 8.
    assertThat(events).filteredOn(e -> e instanceof TrainingEvent.StepEnded<?, ?>)
        .extracting(e -> ((TrainingEvent.StepEnded<?, ?>) e).globalStep())
        .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    assertThat(es.bestValue()).isEqualTo(2.0);
    assertThat(es.bestEpoch()).isEqualTo(-1);
    assertThat(es.stopReason()).hasValueSatisfying(r -> assertThat(r)
        .contains("train loss did not improve on 2.00000")
        .contains("last 3.00000 at window ending at train step 8"));
    TrainingEvent.RunEnded<ScriptedLoss, MeanMetric> end =
        (TrainingEvent.RunEnded<ScriptedLoss, MeanMetric>) events.get(events.size() - 1);
    assertThat(end.outcome().status()).isEqualTo(RunOutcome.Status.STOPPED_EARLY);
    assertThat(end.experiment().w()).isEqualTo(9);
  }

  @Test
  void restoreBestGivesBackTheStateSnapshottedAtTheBestEvaluation() {
    EarlyStopping es = EarlyStopping.monitor("loss").patience(2).restoreBest(true).build();

    ScriptedLoss trained = Solstice.run(ScriptedLoss.fresh())
        .train(ScriptedLoss.script(1, new double[10]))
        .validate(ScriptedLoss.script(1, 1.0, 0.6, 0.7, 0.8, 0.3))
        .epochs(10)
        .subscribers(es)
        .block();

    // One train step per epoch (w counts them); stopped after epoch 3, best after epoch 1.
    ScriptedLoss best = es.restoreBest(trained);
    assertThat(trained.w()).isEqualTo(4);
    assertThat(best.w()).isEqualTo(2);
    assertThat(es.<ScriptedLoss>bestExperiment())
        .hasValueSatisfying(e -> assertThat(e.w()).isEqualTo(2));
    assertThat(trained.w()).as("the trained experiment is left as it is").isEqualTo(4);
  }

  @Test
  void withoutRestoreBestThereIsNoBestExperimentAndRestoreBestIsTheIdentity() throws Exception {
    EarlyStopping es = loss().build();
    ScriptedLoss exp = ScriptedLoss.fresh();
    es.onEvent(valEpochEnd(new StubRun(), exp, 0, 1.0));

    assertThat(es.bestExperiment()).isEmpty();
    assertThat(es.restoreBest(exp)).isSameAs(exp);
  }

  @Test
  void restoreBestRefusesAnExperimentThatIsNotCheckpointable() {
    EarlyStopping es = loss().restoreBest(true).build();

    assertThatThrownBy(() -> stopEpoch(es, 1.0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("implements Checkpointable");
  }

  @Test
  void aMissingKeyIsReportedWithTheKeysThatExist() {
    EarlyStopping es = EarlyStopping.monitor("accuracy").build();

    assertThatThrownBy(() -> stopEpoch(es, 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'accuracy'")
        .hasMessageContaining("[loss]");
  }

  @Test
  void outputsThatAreNotMetricsAreReportedAsSuch() {
    EarlyStopping es = loss().build();
    TrainingEvent<Object, Object> notMetrics = new TrainingEvent.EpochEnded<>(new StubRun(),
        "exp", 0, Mode.VAL, 2, null, Map.of(), new RunPosition(1, 0, 0, 2), true);

    assertThatThrownBy(() -> es.onEvent(notMetrics))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("implement io.solstice.core.metrics.Metrics");
  }

  @Test
  void savedStateRestoredIntoANewInstanceContinuesThePatienceCount() throws Exception {
    EarlyStopping first = loss().patience(3).build();
    assertThat(stopEpoch(first, 1.0, 0.5, 0.6, 0.7)).isEqualTo(-1);
    Map<String, Object> saved = first.saveState();

    EarlyStopping second = loss().patience(3).build();
    second.restoreState(saved);

    assertThat(second.waitCount()).isEqualTo(2);
    assertThat(second.bestValue()).isEqualTo(0.5);
    assertThat(stopEpoch(second, 0.55)).isZero();
  }

  @Test
  void aBestFromBeforeTheResumeIsNotPassedOffAsTheTrainedExperiment() throws Exception {
    EarlyStopping first = loss().patience(5).restoreBest(true).build();
    ScriptedLoss before = ScriptedLoss.fresh();
    for (int epoch = 0; epoch < 2; epoch++) {
      first.onEvent(valEpochEnd(new StubRun(), before, epoch, 1.0 - epoch * 0.5));
    }
    EarlyStopping resumed = loss().patience(5).restoreBest(true).build();
    resumed.restoreState(first.saveState());
    ScriptedLoss trained = ScriptedLoss.fresh();
    resumed.onEvent(valEpochEnd(new StubRun(), trained, 2, 0.9));

    assertThat(resumed.bestEpoch()).isEqualTo(1);
    assertThat(resumed.bestState()).isEmpty();
    assertThat(resumed.bestExperiment()).isEmpty();
    assertThatThrownBy(() -> resumed.restoreBest(trained))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("val loss (0.500000, evaluation 1, epoch 1) came before the run resumed")
        .hasMessageContaining("CheckpointCallback.keepBest");

    // An improvement after the resume is snapshotted again, and is the best.
    resumed.onEvent(valEpochEnd(new StubRun(), trained, 3, 0.2));
    assertThat(resumed.restoreBest(trained).w()).isEqualTo(trained.w());
    assertThat(resumed.bestState()).isPresent();
  }

  @Test
  void restoringAStateDropsTheSnapshotOfAnEarlierRun() throws Exception {
    EarlyStopping es = loss().restoreBest(true).build();
    es.onEvent(valEpochEnd(new StubRun(), ScriptedLoss.fresh(), 0, 0.1));
    Map<String, Object> worse = loss().build().saveState();
    worse.put("best", 0.5);
    worse.put("bestEvaluation", 0L);
    worse.put("bestEpoch", 0L);

    es.restoreState(worse);

    assertThat(es.bestState()).as("the snapshot of 0.1 is not the restored best 0.5").isEmpty();
  }

  @Test
  void theCriterionFormStopsWhenThePredicateHoldsForTheCollectedOutputs() {
    List<Integer> sizes = new ArrayList<>();
    // Two val steps per epoch (v - 1, v + 1 for v = 2.0, 1.6, 1.4, 1.2); keeping the steps
    // with even numbers keeps the first of each epoch: 1.0, 0.6, 0.4.
    RunOutcome outcome = Solstice.run(ScriptedLoss.fresh())
        .train(ScriptedLoss.script(1, new double[10]))
        .validate(ScriptedLoss.script(2, 1.0, 3.0, 0.6, 2.6, 0.4, 2.4, 0.2, 2.2))
        .epochs(10)
        .subscribers(EarlyStopping.when(outs -> { // typed by the run: no type arguments
          sizes.add(outs.size());
          return outs.stream().mapToDouble(MeanMetric::mean).average().orElseThrow() < 0.5;
        }, 2))
        .events()
        .filter(e -> e instanceof TrainingEvent.RunEnded<?, ?>)
        .map(e -> ((TrainingEvent.RunEnded<?, ?>) e).outcome())
        .blockLast();

    assertThat(sizes).containsExactly(1, 1, 1);
    assertThat(outcome.status()).isEqualTo(RunOutcome.Status.STOPPED_EARLY);
    assertThat(outcome.cause())
        .hasMessageContaining("the criterion held after val epoch 2 (1 outputs collected)");
  }

  @Test
  void theCriterionFormIsNotAskedAboutAValidationCutShortByAStop() {
    List<Integer> sizes = new ArrayList<>();

    Solstice.run(ScriptedLoss.fresh())
        .train(ScriptedLoss.script(1, new double[3]))
        .validate(ScriptedLoss.script(2, 1.0, 1.0, 0.1, 5.0))
        .epochs(3)
        .subscribers(StopAt.stepEnd(Mode.VAL, 2), EarlyStopping.when(outs -> {
          sizes.add(outs.size());
          return false;
        }, 1))
        .block();

    // Asked after the validation of epoch 0 (two outputs), not after the one cut short.
    assertThat(sizes).containsExactly(2);
  }
}
