package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.EarlyStoppingException;
import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.EventLog;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Recorder;
import io.solstice.reactive.fixtures.Sources;
import io.solstice.reactive.fixtures.StopAt;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Early stopping from each event, as {@link Solstice}'s Javadoc says: the remaining synchronous
 * subscribers of the event still see it, the open epoch is ended, nothing later runs, {@code
 * RunEnded} (and so {@code onRunEnd}) reports STOPPED_EARLY and the run completes with the
 * experiment so far; a stop is an {@link EarlyStoppingException} thrown by a subscriber (here a
 * callback of the original interface) or a call of {@link RunControl#stop}.
 */
class EarlyStoppingTest {

  private final Ledger ledger = new Ledger();
  private final List<String> log = Recorder.newLog();

  private CountingExperiment trainStoppingAt(String hook) {
    Recorder a = Recorder.stoppingAt("a", log, hook::equals);
    Recorder b = Recorder.of("b", log);
    CountingExperiment result = Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(ledger, 3)).validate(Sources.counting(ledger, 1)).epochs(2)
        .callbacks(a, b)
        .block();
    assertThat(a.outcome().status()).isEqualTo(RunOutcome.Status.STOPPED_EARLY);
    assertThat(a.outcome().cause()).isInstanceOf(EarlyStoppingException.class)
        .hasMessage("a stops at " + hook);
    assertThat(b.outcome()).isEqualTo(a.outcome());
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
    return result;
  }

  @Test
  void fromOnEpochStartNoStepOfThatEpochRunsButTheEpochIsEnded() {
    CountingExperiment result = trainStoppingAt("onEpochStart(0,TRAIN)");

    assertThat(log).containsExactly(
        "a:onEpochStart(0,TRAIN)", "b:onEpochStart(0,TRAIN)",
        "a:onEpochEnd(0,TRAIN)", "b:onEpochEnd(0,TRAIN)",
        "a:onRunEnd(STOPPED_EARLY)", "b:onRunEnd(STOPPED_EARLY)");
    assertThat(result.trained()).isZero();
  }

  @Test
  void fromOnStepStartThatStepDoesNotRun() {
    CountingExperiment result = trainStoppingAt("onStepStart(1,TRAIN)");

    assertThat(log).containsExactly(
        "a:onEpochStart(0,TRAIN)", "b:onEpochStart(0,TRAIN)",
        "a:onStepStart(0,TRAIN)", "b:onStepStart(0,TRAIN)",
        "a:onStepEnd(0,TRAIN)", "b:onStepEnd(0,TRAIN)",
        "a:onStepStart(1,TRAIN)", "b:onStepStart(1,TRAIN)",
        "a:onEpochEnd(0,TRAIN)", "b:onEpochEnd(0,TRAIN)",
        "a:onRunEnd(STOPPED_EARLY)", "b:onRunEnd(STOPPED_EARLY)");
    assertThat(result.trained()).isEqualTo(1);
  }

  @Test
  void fromOnStepEndThatStepCountsAndNoFurtherStepRuns() {
    CountingExperiment result = trainStoppingAt("onStepEnd(1,TRAIN)");

    assertThat(log).containsExactly(
        "a:onEpochStart(0,TRAIN)", "b:onEpochStart(0,TRAIN)",
        "a:onStepStart(0,TRAIN)", "b:onStepStart(0,TRAIN)",
        "a:onStepEnd(0,TRAIN)", "b:onStepEnd(0,TRAIN)",
        "a:onStepStart(1,TRAIN)", "b:onStepStart(1,TRAIN)",
        "a:onStepEnd(1,TRAIN)", "b:onStepEnd(1,TRAIN)",
        "a:onEpochEnd(0,TRAIN)", "b:onEpochEnd(0,TRAIN)",
        "a:onRunEnd(STOPPED_EARLY)", "b:onRunEnd(STOPPED_EARLY)");
    assertThat(result.trained()).isEqualTo(2);
  }

  @Test
  void fromOnEpochEndOfATrainEpochNeitherValidationNorLaterEpochsRun() {
    CountingExperiment result = trainStoppingAt("onEpochEnd(0,TRAIN)");

    assertThat(log).endsWith(
        "a:onStepEnd(2,TRAIN)", "b:onStepEnd(2,TRAIN)",
        "a:onEpochEnd(0,TRAIN)", "b:onEpochEnd(0,TRAIN)",
        "a:onRunEnd(STOPPED_EARLY)", "b:onRunEnd(STOPPED_EARLY)");
    assertThat(log).noneMatch(l -> l.contains("VAL") || l.contains("onEpochStart(1,TRAIN)"));
    assertThat(result.trained()).isEqualTo(3);
  }

  @Test
  void fromOnEpochEndOfAValidationNoLaterEpochRuns() {
    CountingExperiment result = trainStoppingAt("onEpochEnd(0,VAL)");

    assertThat(log).endsWith(
        "a:onEpochEnd(0,VAL)", "b:onEpochEnd(0,VAL)",
        "a:onRunEnd(STOPPED_EARLY)", "b:onRunEnd(STOPPED_EARLY)");
    assertThat(log).noneMatch(l -> l.contains("onEpochStart(1,TRAIN)"));
    assertThat(result.trained()).isEqualTo(3);
    assertThat(result.evaluated()).isEqualTo(1);
  }

  @Test
  void aStopFromOnStepEndStillEmitsThatStepsResult() {
    Recorder a = Recorder.stoppingAt("a", log, "onStepEnd(1,TRAIN)"::equals);

    List<TrainingEvent.StepEnded<CountingExperiment, MeanMetric>> results =
        Solstice.run(CountingExperiment.fresh()).train(Sources.counting(ledger, 5)).epochs(2)
            .callbacks(a)
            .steps().collectList().block();

    assertThat(results).extracting(TrainingEvent.StepEnded::globalStep).containsExactly(0L, 1L);
  }

  @Test
  void aStopRequestedThroughTheRunControlActsLikeTheExceptionFromThatEvent() {
    EventLog events = new EventLog();
    TrainingSubscriber<Object, Object> stopper = event -> {
      if (EventLog.describe(event).equals("StepEnded(1,TRAIN)")) {
        event.run().stop("enough at step 1");
      }
    };
    Recorder after = Recorder.of("b", log);

    CountingExperiment result = Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(ledger, 3)).validate(Sources.counting(ledger, 1)).epochs(2)
        .subscribers(stopper, events).callbacks(after)
        .block();

    assertThat(events.lines()).containsExactly("RunStarted", "EpochStarted(0,TRAIN)",
        "StepStarted(0,TRAIN)", "StepEnded(0,TRAIN)",
        "StepStarted(1,TRAIN)", "StepEnded(1,TRAIN)",
        "EpochEnded(0,TRAIN)", "RunEnded(STOPPED_EARLY)");
    assertThat(log).contains("b:onStepEnd(1,TRAIN)").last().isEqualTo("b:onRunEnd(STOPPED_EARLY)");
    assertThat(after.outcome().cause()).isInstanceOf(EarlyStoppingException.class)
        .hasMessage("enough at step 1");
    assertThat(events.run().isStopping()).isTrue();
    assertThat(result.trained()).isEqualTo(2);
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void anEarlyStopThrownByTheStepItselfStopsTheRunWithoutThatStep() {
    Recorder a = Recorder.of("a", log);
    CountingExperiment start = CountingExperiment.withAction(n -> {
      if (n == 2) {
        throw new EarlyStoppingException("the model says so");
      }
    });

    CountingExperiment result = Solstice.run(start).train(Sources.counting(ledger, 5)).epochs(3)
        .callbacks(a)
        .block();

    assertThat(result.trained()).isEqualTo(2);
    assertThat(log).endsWith("a:onStepStart(2,TRAIN)", "a:onEpochEnd(0,TRAIN)",
        "a:onRunEnd(STOPPED_EARLY)");
    assertThat(a.outcome().cause()).hasMessage("the model says so");
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void theEventsOfARunStoppedByItsStepAreTheEventsItsSubscribersSaw() {
    EventLog seen = new EventLog();
    CountingExperiment start = CountingExperiment.withAction(n -> {
      if (n == 2) {
        throw new EarlyStoppingException("the model says so");
      }
    });

    List<String> emitted = Solstice.run(start).train(Sources.counting(ledger, 5)).subscribers(seen)
        .events().map(EventLog::describe).collectList().block();

    assertThat(emitted).containsSubsequence("StepEnded(1,TRAIN)", "StepStarted(2,TRAIN)", "EpochEnded(0,TRAIN)")
        .isEqualTo(seen.lines());
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void maxStepsStopsTheRunAsAnEarlyStopWithoutCause() {
    Recorder a = Recorder.of("a", log);

    CountingExperiment result = Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(ledger, 4)).validate(Sources.counting(ledger, 1)).epochs(10)
        .maxSteps(6)
        .callbacks(a)
        .block();

    assertThat(result.trained()).isEqualTo(6);
    assertThat(a.outcome()).isEqualTo(RunOutcome.stoppedEarly(null));
    assertThat(log).endsWith("a:onStepEnd(5,TRAIN)", "a:onEpochEnd(1,TRAIN)",
        "a:onRunEnd(STOPPED_EARLY)");
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void limitTrainBatchesEndsEachEpochNotTheRunAndClosesThePrefetchedRest() {
    Recorder a = Recorder.of("a", log);

    CountingExperiment result = Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(ledger, 50)).validate(Sources.counting(ledger, 20)).epochs(3)
        .limitTrainBatches(2).limitValBatches(1).prefetch(8)
        .callbacks(a)
        .block();

    assertThat(result.trained()).isEqualTo(6);
    assertThat(result.evaluated()).isEqualTo(3);
    assertThat(a.outcome()).isEqualTo(RunOutcome.COMPLETED);
    assertThat(ledger.created()).isLessThan(3 * (50 + 20));
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void aValidationCutShortByAStopEndsIncompleteAndTheEpochsBeforeItComplete() {
    EventLog events = new EventLog();

    Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(ledger, 2)).validate(Sources.counting(ledger, 2)).epochs(3)
        .subscribers(StopAt.stepEnd(Mode.VAL, 2), events)
        .block();

    // Val step 2 is the first of epoch 1's two: the stop cuts that validation short.
    assertThat(ends(events)).containsExactly("EpochEnded(0,TRAIN)", "EpochEnded(0,VAL)",
        "ValidationEnded(0)", "EpochEnded(1,TRAIN)", "EpochEnded(1,VAL) cut short",
        "ValidationEnded(1) cut short");
    assertThat(EventLog.assertEpochMetricsMergeTheirSteps(events.events())).isEqualTo(4);
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void aStepCadenceValidationCutShortEndsIncompleteAndSoDoesTheTrainEpochItInterrupted() {
    EventLog events = new EventLog();

    Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(ledger, 3)).validate(Sources.counting(ledger, 2)).epochs(2)
        .validateEverySteps(2)
        .subscribers(StopAt.stepEnd(Mode.VAL, 0), events)
        .block();

    // The validation after train step 1 is stopped at its first val step; the train epoch it
    // interrupted ends there too, one batch short.
    assertThat(ends(events)).containsExactly("EpochEnded(0,VAL) cut short",
        "ValidationEnded(0) cut short", "EpochEnded(0,TRAIN) cut short");
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  /** The epoch and validation ends of a run, each marked when a stop cut it short. */
  private static List<String> ends(EventLog events) {
    List<String> ends = new ArrayList<>();
    for (TrainingEvent<?, ?> event : events.events()) {
      if (event instanceof TrainingEvent.EpochEnded<?, ?> end) {
        ends.add(EventLog.describe(end) + (end.complete() ? "" : " cut short"));
      } else if (event instanceof TrainingEvent.ValidationEnded<?, ?> end) {
        ends.add(EventLog.describe(end) + (end.complete() ? "" : " cut short"));
      }
    }
    return ends;
  }
}
