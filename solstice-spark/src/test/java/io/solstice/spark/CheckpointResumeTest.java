package io.solstice.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.RunPosition;
import io.solstice.core.TensorBatch;
import io.solstice.core.checkpoint.CheckpointStore;
import io.solstice.core.checkpoint.Resumed;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingException;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.callbacks.CheckpointCallback;
import io.solstice.reactive.callbacks.Direction;
import io.solstice.reactive.callbacks.EarlyStopping;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The driver's events and subscribers per round: their order and positions, checkpoints and
 * resume, early stopping, failures.
 */
class CheckpointResumeTest {

  private static final int ROUNDS = 6;

  private static LocalSpark spark;
  private static List<String> shards;

  @TempDir static Path data;

  @BeforeAll
  static void start() {
    spark = LocalSpark.start("local[2]");
    TensorBatch all = DigitsDataset.bundled().asBatch();
    // Uneven shards (5 and 2 batches) with K = 3: positions wrap at different rounds.
    shards = List.of(
        ShardFiles.write(data.resolve("a.arrow"), all.features(), all.labels(), 0, 150, 30)
            .toString(),
        ShardFiles.write(data.resolve("b.arrow"), all.features(), all.labels(), 150, 210, 30)
            .toString());
  }

  @AfterAll
  static void stop() {
    spark.close();
  }

  static MlpClassifier model() {
    return MlpClassifier.builder().inputs(64).hidden(32).classes(10)
        .updater(new Adam(5e-3)).dropout(0.1).seed(11).build();
  }

  private static SparkTrainer<MlpClassifier, ClassificationMetrics> trainer(int rounds) {
    return SparkTrainer.builder(spark.context(), CheckpointResumeTest::model,
            MetricsCodec.classification())
        .rounds(rounds)
        .stepsPerRound(3)
        .build();
  }

  private static TrainingShards shards() {
    return TrainingShards.files(spark.context(), shards, ShardFiles::digitsSpec, 0);
  }

  private static CheckpointCallback checkpoints(
      Path dir, SparkTrainer<MlpClassifier, ClassificationMetrics> trainer) {
    return CheckpointCallback.builder(dir)
        .everyEpochs(1)
        .sourcePosition(trainer.sourcePosition())
        .build();
  }

  /** Records each event as "Kind(epoch, mode, step) position". */
  private static final class EventLog implements TrainingSubscriber<Object, Object> {
    final List<String> lines = new ArrayList<>();
    RunOutcome outcome;

    @Override
    public void onEvent(TrainingEvent<Object, Object> event) {
      lines.add(describe(event));
      if (event instanceof TrainingEvent.RunEnded<Object, Object> e) {
        outcome = e.outcome();
      }
    }

    private static String describe(TrainingEvent<Object, Object> event) {
      if (event instanceof TrainingEvent.RunStarted<Object, Object> e) {
        return "RunStarted " + at(e.position());
      } else if (event instanceof TrainingEvent.EpochStarted<Object, Object> e) {
        return "EpochStarted(" + e.epoch() + ", " + e.mode() + ")";
      } else if (event instanceof TrainingEvent.StepStarted<Object, Object> e) {
        return "StepStarted(" + e.epoch() + ", " + e.mode() + ", " + e.globalStep() + ")";
      } else if (event instanceof TrainingEvent.StepEnded<Object, Object> e) {
        return "StepEnded(" + e.epoch() + ", " + e.mode() + ", " + e.globalStep() + ") "
            + at(e.position());
      } else if (event instanceof TrainingEvent.EpochEnded<Object, Object> e) {
        return "EpochEnded(" + e.epoch() + ", " + e.mode() + ") " + at(e.position());
      } else if (event instanceof TrainingEvent.ValidationEnded<Object, Object> e) {
        return "ValidationEnded(" + e.epoch() + ") " + at(e.position());
      } else if (event instanceof TrainingEvent.RunEnded<Object, Object> e) {
        return "RunEnded(" + e.outcome().status() + ") " + at(e.position());
      }
      return event.getClass().getSimpleName();
    }

    private static String at(RunPosition p) {
      return "@" + p.epoch() + "/" + p.batchesIntoEpoch() + "/" + p.trainSteps() + "/" + p.valSteps();
    }
  }

  @Test
  void roundsAreEpochsOfOneStepWithTheEnginesEventOrderAndPositions() {
    SparkTrainer<MlpClassifier, ClassificationMetrics> trainer =
        SparkTrainer.builder(spark.context(), CheckpointResumeTest::model,
                MetricsCodec.classification())
            .rounds(2)
            .validation(shards(), 2)
            .build();
    EventLog log = new EventLog();

    trainer.fit(model(), shards(), log);

    assertThat(log.lines).containsExactly(
        "RunStarted @0/0/0/0",
        "EpochStarted(0, TRAIN)",
        "StepStarted(0, TRAIN, 0)",
        "StepEnded(0, TRAIN, 0) @0/1/1/0",
        "EpochEnded(0, TRAIN) @1/0/1/0",
        "EpochStarted(1, TRAIN)",
        "StepStarted(1, TRAIN, 1)",
        "StepEnded(1, TRAIN, 1) @1/1/2/0",
        "EpochEnded(1, TRAIN) @1/1/2/0",
        "EpochStarted(1, VAL)",
        "StepStarted(1, VAL, 0)",
        "StepEnded(1, VAL, 0) @1/1/2/1",
        "EpochEnded(1, VAL) @2/0/2/1",
        "ValidationEnded(1) @2/0/2/1",
        "RunEnded(COMPLETED) @2/0/2/1");
  }

  @Test
  void aStopFromStepStartedSkipsTheRoundAndAFailingSubscriberFailsTheRun() {
    EventLog stopped = new EventLog();
    SparkTrainer<MlpClassifier, ClassificationMetrics> stopping = trainer(ROUNDS);
    stopping.fit(model(), shards(), event -> {
      if (event instanceof TrainingEvent.StepStarted<?, ?> step && step.globalStep() == 1) {
        step.run().stop("enough");
      }
    }, stopped);

    assertThat(stopping.history()).extracting(RoundSummary::round).containsExactly(0);
    assertThat(stopped.lines).endsWith(
        "StepStarted(1, TRAIN, 1)", "EpochEnded(1, TRAIN) @1/0/1/0", "RunEnded(STOPPED_EARLY) @1/0/1/0");
    assertThat(stopped.outcome.cause()).hasMessage("enough");

    EventLog failed = new EventLog();
    SparkTrainer<MlpClassifier, ClassificationMetrics> failing = trainer(ROUNDS);
    assertThatThrownBy(() -> failing.fit(model(), shards(), event -> {
      if (event instanceof TrainingEvent.EpochEnded<?, ?> end && end.epoch() == 1) {
        throw new IllegalStateException("subscriber failed");
      }
    }, failed))
        .isInstanceOf(TrainingException.class)
        .hasMessageStartingWith("TRAIN failed in epoch 1 at train step 2")
        .hasRootCauseMessage("subscriber failed");
    assertThat(failing.history()).hasSize(2);
    assertThat(failed.outcome.status()).isEqualTo(RunOutcome.Status.FAILED);
  }

  @Test
  void writesACheckpointPerRoundAndAResumedRunEqualsAnUninterruptedOne(@TempDir Path dir) {
    MlpClassifier uninterrupted = trainer(ROUNDS).fit(model(), shards());

    SparkTrainer<MlpClassifier, ClassificationMetrics> firstHalf = trainer(3);
    CheckpointCallback first = checkpoints(dir, firstHalf);
    firstHalf.fit(model(), shards(), first);

    assertThat(first.written()).hasSize(3);
    assertThat(CheckpointStore.open(dir).loadLatest().orElseThrow().manifest().sourcePosition())
        .containsKeys("partition.0", "partition.1");

    SparkTrainer<MlpClassifier, ClassificationMetrics> secondHalf = trainer(ROUNDS);
    CheckpointCallback second = checkpoints(dir, secondHalf);
    Resumed<MlpClassifier> resumed = second.resume(model());
    assertThat(resumed.position().epoch()).isEqualTo(3);
    MlpClassifier resumedRun = secondHalf.fit(resumed, shards(), second);

    assertThat(secondHalf.history()).extracting(RoundSummary::round).containsExactly(3, 4, 5);
    assertThat(resumedRun.state()).isEqualTo(uninterrupted.state());
  }

  @Test
  void earlyStoppingOnValidationMetricsCountsPatienceInRounds() {
    SparkTrainer<MlpClassifier, ClassificationMetrics> trainer =
        SparkTrainer.builder(spark.context(), CheckpointResumeTest::model,
                MetricsCodec.classification())
            .rounds(50)
            .stepsPerRound(1)
            .validation(shards(), 1)
            .build();
    // min_delta so large that no round counts as an improvement after the first.
    var stopper = EarlyStopping.monitor("accuracy")
        .mode(Mode.VAL).direction(Direction.MAX).patience(2).minDelta(10.0).build();

    trainer.fit(model(), shards(), stopper);

    assertThat(trainer.history()).hasSize(3);
  }
}
