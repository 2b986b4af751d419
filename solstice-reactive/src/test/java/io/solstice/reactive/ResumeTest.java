package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.RunPosition;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.fixtures.CountingBatch;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.EventLog;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Recorder;
import io.solstice.reactive.fixtures.Sources;
import io.solstice.reactive.fixtures.StepSnapshots;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Resuming from a {@link RunPosition}: the run continues where the checkpoint left it. */
class ResumeTest {

  @Test
  void aResumedRunStartsInItsEpochSkipsTrainedBatchesAndContinuesNumbering() {
    Ledger train = new Ledger();
    Ledger val = new Ledger();
    List<String> log = Recorder.newLog();
    Recorder recorder = Recorder.of("a", log);
    EventLog events = new EventLog();

    List<TrainingEvent.StepEnded<CountingExperiment, MeanMetric>> results =
        Solstice.run(CountingExperiment.fresh())
            .train(Sources.counting(train, 5)).validate(Sources.counting(val, 1)).epochs(3)
            .resumeFrom(new RunPosition(1, 2, 7, 1))
            .callbacks(recorder).subscribers(events)
            .steps().collectList().block();

    // Batch ids count per ledger: epoch 1 reads ids 0..4 and skips 0 and 1.
    assertThat(results).extracting(r -> r.mode().label() + r.globalStep() + "=" + (long) r.outputs().mean())
        .containsExactly("train7=2", "train8=3", "train9=4", "val1=0",
            "train10=5", "train11=6", "train12=7", "train13=8", "train14=9", "val2=1");
    assertThat(log).first().isEqualTo("a:onEpochStart(1,TRAIN)");
    assertThat(((TrainingEvent.RunStarted<?, ?>) events.events().get(0)).position())
        .isEqualTo(new RunPosition(1, 2, 7, 1));
    assertThat(results.get(0).position()).isEqualTo(new RunPosition(1, 3, 8, 1));
    assertThat(train.notClosedExactlyOnce()).isEmpty();
    assertThat(train.created()).isEqualTo(10);
  }

  @Test
  void aRunResumedAtItsStepLimitTrainsNoMoreAndEndsAsTheRunThatReachedIt() {
    EventLog reached = new EventLog();
    Solstice.run(CountingExperiment.fresh()).train(Sources.counting(new Ledger(), 5)).epochs(3)
        .maxSteps(7).subscribers(reached).block();
    TrainingEvent.RunEnded<?, ?> limit = reached.runEnded();
    assertThat(limit.position()).isEqualTo(new RunPosition(1, 2, 7, 0));

    EventLog resumed = new EventLog();
    Solstice.run(CountingExperiment.fresh()).train(Sources.counting(new Ledger(), 5)).epochs(3)
        .maxSteps(7).resumeFrom(limit.position()).subscribers(resumed).block();

    assertThat(resumed.events()).noneMatch(e -> e instanceof TrainingEvent.StepStarted<?, ?>);
    TrainingEvent.RunEnded<?, ?> ended = resumed.runEnded();
    assertThat(ended.position()).isEqualTo(limit.position());
    assertThat(ended.outcome().status()).isEqualTo(limit.outcome().status());
  }

  @Test
  void aRunStoppedAtRunStartedEndsWhereItResumed() {
    EventLog events = new EventLog();
    RunPosition resumedAt = new RunPosition(0, 3, 3, 0);
    Solstice.run(CountingExperiment.fresh()).train(Sources.counting(new Ledger(), 5)).epochs(2)
        .resumeFrom(resumedAt)
        .subscribers(event -> {
          if (event instanceof TrainingEvent.RunStarted<?, ?>) {
            event.run().stop("stopped before the first epoch");
          }
        }, events)
        .block();

    // The position a checkpoint at the end would store: the batches already trained stay skipped.
    assertThat(events.runEnded().position()).isEqualTo(resumedAt);
  }

  @Test
  void resumingFromAnyCheckpointFinishesWithTheSameStateAsTheUninterruptedRun() {
    StepSnapshots<CountingExperiment> everyStep = new StepSnapshots<>(1);
    CountingExperiment uninterrupted = Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(new Ledger(), 4)).validate(Sources.counting(new Ledger(), 1))
        .epochs(3)
        .subscribers(everyStep)
        .block();

    assertThat(everyStep.saved()).hasSize(12);
    for (int i = 0; i < everyStep.saved().size(); i++) {
      StepSnapshots.Snapshot<CountingExperiment> saved = everyStep.saved().get(i);
      CountingExperiment resumed = resume(saved.experiment(), saved.position(), 1);

      assertThat(resumed.trained()).as("resumed after step %d", i).isEqualTo(uninterrupted.trained());
      assertThat(resumed.evaluated()).as("resumed after step %d", i)
          .isEqualTo(uninterrupted.evaluated());
    }
  }

  @Test
  void theEpochValidationAndRunEndPositionsAreExactResumePointsToo() {
    List<TrainingEvent<?, ?>> ends = new ArrayList<>();
    TrainingSubscriber<Object, Object> endsOnly = event -> {
      if (event instanceof TrainingEvent.EpochEnded<?, ?>
          || event instanceof TrainingEvent.ValidationEnded<?, ?>
          || event instanceof TrainingEvent.RunEnded<?, ?>) {
        ends.add(event);
      }
    };
    CountingExperiment uninterrupted = Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(new Ledger(), 4)).validate(Sources.counting(new Ledger(), 1))
        .epochs(3).validateEveryEpochs(2)
        .subscribers(endsOnly)
        .block();

    // Epochs 0, 1 (validated), 2: three train ends, one VAL end, one validation end, the run end.
    assertThat(ends).extracting(EventLog::describe).containsExactly("EpochEnded(0,TRAIN)",
        "EpochEnded(1,TRAIN)", "EpochEnded(1,VAL)", "ValidationEnded(1)", "EpochEnded(2,TRAIN)",
        "RunEnded(COMPLETED)");
    for (TrainingEvent<?, ?> end : ends) {
      RunPosition position = EventLog.position(end);
      CountingExperiment resumed = resume((CountingExperiment) end.experiment(), position, 2);

      assertThat(resumed.trained()).as("resumed from %s at %s", EventLog.describe(end), position)
          .isEqualTo(uninterrupted.trained());
      assertThat(resumed.evaluated()).as("resumed from %s at %s", EventLog.describe(end), position)
          .isEqualTo(uninterrupted.evaluated());
    }
    assertThat(EventLog.position(ends.get(1))).as("a train end with its validation due stays in its epoch")
        .isEqualTo(new RunPosition(1, 4, 8, 0));
    assertThat(EventLog.position(ends.get(2))).isEqualTo(new RunPosition(2, 0, 8, 1));
    assertThat(((TrainingEvent.EpochEnded<?, ?>) ends.get(0)).mode()).isEqualTo(Mode.TRAIN);
  }

  @Test
  void aRunStoppedInTheMiddleOfAValidationResumesByRepeatingThatWholeValidation() {
    EventLog stopped = new EventLog();
    long[] valStepsOfEpoch1 = {0};
    TrainingSubscriber<Object, Object> stopAtTheSecondValStep = event -> {
      if (event instanceof TrainingEvent.StepEnded<?, ?> step && step.mode() == Mode.VAL
          && step.epoch() == 1 && ++valStepsOfEpoch1[0] == 2) {
        event.run().stop("stopped in the middle of a validation");
      }
    };
    threeValBatchRun(CountingExperiment.fresh(), RunPosition.START, run -> run,
        stopAtTheSecondValStep, stopped);

    assertThat(stopped.runEnded().outcome().cause()).hasMessage("stopped in the middle of a validation");
    assertResumesAsTheUninterruptedRunAfterValStep4(stopped);
  }

  @Test
  void aTimeBoxedSegmentEndingInTheMiddleOfAValidationResumesByRepeatingThatWholeValidation() {
    VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    EventLog segment = new EventLog();
    long[] valStepsOfEpoch1 = {0};
    // The segment's time runs out during the second val step of epoch 1.
    TrainingSubscriber<Object, Object> timeRunsOut = event -> {
      if (event instanceof TrainingEvent.StepEnded<?, ?> step && step.mode() == Mode.VAL
          && step.epoch() == 1 && ++valStepsOfEpoch1[0] == 2) {
        clock.advanceTimeBy(Duration.ofMinutes(1));
      }
    };
    threeValBatchRun(CountingExperiment.fresh(), RunPosition.START,
        run -> run.maxTime(Duration.ofSeconds(30)).timer(clock), timeRunsOut, segment);

    assertThat(segment.runEnded().outcome()).isEqualTo(RunOutcome.stoppedEarly(null));
    assertResumesAsTheUninterruptedRunAfterValStep4(segment);
  }

  /**
   * Checks a run of {@link #threeValBatchRun} stopped right after val step 4, the second of the
   * three of epoch 1: it ends where that validation started, and a run resumed from its {@code
   * RunEnded} repeats that whole validation and then does what the uninterrupted run did.
   */
  private static void assertResumesAsTheUninterruptedRunAfterValStep4(EventLog stopped) {
    TrainingEvent.RunEnded<?, ?> end = stopped.runEnded();
    assertThat(stopped.lines()).contains("StepEnded(4,VAL)").doesNotContain("StepEnded(5,VAL)");
    assertThat(end.outcome().status()).isEqualTo(RunOutcome.Status.STOPPED_EARLY);
    // Epoch 1 is trained (4 batches, 8 train steps) but its validation is not done: val steps 3
    // and 4 ran and are not counted, since the resumed run runs them again.
    assertThat(end.position()).isEqualTo(new RunPosition(1, 4, 8, 3));
    assertThat(EventLog.position(lastOf(stopped, "ValidationEnded(1)")))
        .as("a cut-short validation does not complete its epoch").isEqualTo(end.position());
    // The experiment goes with the position: the one the validation started from.
    assertThat(((CountingExperiment) end.experiment()).evaluated()).isEqualTo(3);

    EventLog whole = new EventLog();
    CountingExperiment uninterrupted =
        threeValBatchRun(CountingExperiment.fresh(), RunPosition.START, run -> run, whole);
    EventLog resumedLog = new EventLog();
    CountingExperiment resumed = threeValBatchRun(
        (CountingExperiment) end.experiment(), end.position(), run -> run, resumedLog);

    assertThat(resumed.trained()).isEqualTo(uninterrupted.trained());
    assertThat(resumed.evaluated()).isEqualTo(uninterrupted.evaluated());
    // From the validation of epoch 1 on, the resumed run's events (and the positions they
    // carry) are the uninterrupted run's.
    assertThat(describedFrom(resumedLog, "EpochStarted(1,VAL)"))
        .isEqualTo(describedFrom(whole, "EpochStarted(1,VAL)"))
        .contains("StepStarted(3,VAL)", "StepStarted(5,VAL)", "StepStarted(11,TRAIN)", "StepStarted(8,VAL)")
        .last().isEqualTo("RunEnded(COMPLETED) at " + new RunPosition(3, 0, 12, 9));
  }

  /** A three-epoch run of four train and three val batches, validated after every epoch. */
  @SafeVarargs
  private static CountingExperiment threeValBatchRun(CountingExperiment restored, RunPosition position,
      UnaryOperator<Run<CountingExperiment, CountingBatch, MeanMetric>> configure,
      TrainingSubscriber<Object, Object>... subscribers) {
    return configure.apply(Solstice.run(new CountingExperiment(restored.trained(), restored.evaluated(),
                restored.idSum(), n -> {}, restored.stepThreads()))
            .train(Sources.counting(new Ledger(), 4)).validate(Sources.counting(new Ledger(), 3))
            .epochs(3)
            .resumeFrom(position)
            .subscribers(subscribers))
        .block();
  }

  /** Each event from the first one described as {@code first}, with the position it carries. */
  private static List<String> describedFrom(EventLog log, String first) {
    List<String> lines = log.lines();
    List<String> described = new ArrayList<>();
    for (int i = lines.indexOf(first); i >= 0 && i < lines.size(); i++) {
      TrainingEvent<?, ?> event = log.events().get(i);
      RunPosition position = event instanceof TrainingEvent.StepEnded<?, ?> step ? step.position()
          : event instanceof TrainingEvent.EpochEnded<?, ?> || event instanceof TrainingEvent.ValidationEnded<?, ?>
              || event instanceof TrainingEvent.RunEnded<?, ?> ? EventLog.position(event) : null;
      described.add(lines.get(i) + (position == null ? "" : " at " + position));
    }
    assertThat(described).as("events from " + first).isNotEmpty();
    return described;
  }

  private static TrainingEvent<?, ?> lastOf(EventLog log, String described) {
    int at = log.lines().lastIndexOf(described);
    assertThat(at).as(described).isNotNegative();
    return log.events().get(at);
  }

  /** Resumes a three-epoch run of four train and one val batch from a saved state. */
  private static CountingExperiment resume(
      CountingExperiment restored, RunPosition position, int validateEveryEpochs) {
    return Solstice.run(new CountingExperiment(restored.trained(), restored.evaluated(),
            restored.idSum(), n -> {}, restored.stepThreads()))
        .train(Sources.counting(new Ledger(), 4)).validate(Sources.counting(new Ledger(), 1))
        .epochs(3).validateEveryEpochs(validateEveryEpochs)
        .resumeFrom(position)
        .block();
  }
}
