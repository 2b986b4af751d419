package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.RunPosition;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Recorder;
import io.solstice.reactive.fixtures.Sources;
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

    List<StepResult<CountingExperiment, MeanMetric>> results = Solstice.run(
            CountingExperiment.fresh(), 3, Sources.counting(train, 5), Sources.counting(val, 1),
            List.of(recorder),
            TrainOptions.builder().resumeFrom(new RunPosition(1, 2, 7, 1)).build())
        .collectList().block();

    // Batch ids count per ledger: epoch 1 reads ids 0..4 and skips 0 and 1.
    assertThat(results).extracting(r -> r.mode().label() + r.globalStep() + "=" + (long) r.outputs().mean())
        .containsExactly("train7=2", "train8=3", "train9=4", "val1=0",
            "train10=5", "train11=6", "train12=7", "train13=8", "train14=9", "val2=1");
    assertThat(log).first().isEqualTo("a:onEpochStart(1,TRAIN)");
    assertThat(results.get(0).position()).isEqualTo(new RunPosition(1, 3, 8, 1));
    assertThat(train.notClosedExactlyOnce()).isEmpty();
    assertThat(train.created()).isEqualTo(10);
  }

  @Test
  void resumingFromAnyCheckpointFinishesWithTheSameStateAsTheUninterruptedRun() {
    List<CountingExperiment> savedExperiments = new ArrayList<>();
    List<RunPosition> savedPositions = new ArrayList<>();
    TrainOptions checkpointing = TrainOptions.builder()
        .checkpointEvery(1, (exp, pos) -> {
          savedExperiments.add((CountingExperiment) exp);
          savedPositions.add(pos);
        })
        .build();
    CountingExperiment uninterrupted = Solstice.train(CountingExperiment.fresh(), 3,
        Sources.counting(new Ledger(), 4), Sources.counting(new Ledger(), 1), List.of(),
        checkpointing).block();

    assertThat(savedPositions).hasSize(12);
    for (int i = 0; i < savedPositions.size(); i++) {
      CountingExperiment restored = savedExperiments.get(i);
      CountingExperiment resumed = Solstice.train(
          new CountingExperiment(restored.trained(), restored.evaluated(), restored.idSum(),
              n -> {}, restored.stepThreads()),
          3, Sources.counting(new Ledger(), 4), Sources.counting(new Ledger(), 1), List.of(),
          TrainOptions.builder().resumeFrom(savedPositions.get(i)).build()).block();

      assertThat(resumed.trained()).as("resumed after step %d", i).isEqualTo(uninterrupted.trained());
      assertThat(resumed.evaluated()).as("resumed after step %d", i)
          .isEqualTo(uninterrupted.evaluated());
    }
  }
}
