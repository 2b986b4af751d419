package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.EventLog;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Recorder;
import io.solstice.reactive.fixtures.Sources;
import io.solstice.reactive.fixtures.StepSnapshots;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

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
    TrainingEvent.RunEnded<?, ?> limit = runEnded(reached);
    assertThat(limit.position()).isEqualTo(new RunPosition(1, 2, 7, 0));

    EventLog resumed = new EventLog();
    Solstice.run(CountingExperiment.fresh()).train(Sources.counting(new Ledger(), 5)).epochs(3)
        .maxSteps(7).resumeFrom(limit.position()).subscribers(resumed).block();

    assertThat(resumed.events()).noneMatch(e -> e instanceof TrainingEvent.StepStarted<?, ?>);
    TrainingEvent.RunEnded<?, ?> ended = runEnded(resumed);
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
    assertThat(runEnded(events).position()).isEqualTo(resumedAt);
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

  private static TrainingEvent.RunEnded<?, ?> runEnded(EventLog log) {
    List<TrainingEvent<?, ?>> events = log.events();
    return (TrainingEvent.RunEnded<?, ?>) events.get(events.size() - 1);
  }
}
