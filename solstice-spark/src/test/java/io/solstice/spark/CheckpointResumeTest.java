package io.solstice.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Mode;
import io.solstice.core.TensorBatch;
import io.solstice.reactive.callbacks.Direction;
import io.solstice.reactive.callbacks.EarlyStopping;
import io.solstice.reactive.callbacks.CheckpointCallback;
import io.solstice.core.checkpoint.CheckpointStore;
import io.solstice.core.checkpoint.Resumed;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

/** Driver-side callbacks per round: checkpoints, resume and early stopping. */
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

  private static CheckpointCallback<MlpClassifier, TensorBatch, ClassificationMetrics> checkpoints(
      Path dir, SparkTrainer<MlpClassifier, ClassificationMetrics> trainer) {
    return CheckpointCallback.<MlpClassifier, TensorBatch, ClassificationMetrics>builder(dir)
        .everyEpochs(1)
        .sourcePosition(trainer.sourcePosition())
        .build();
  }

  @Test
  void writesACheckpointPerRoundAndAResumedRunEqualsAnUninterruptedOne(@TempDir Path dir) {
    MlpClassifier uninterrupted = trainer(ROUNDS).fit(model(), shards(), List.of());

    SparkTrainer<MlpClassifier, ClassificationMetrics> firstHalf = trainer(3);
    CheckpointCallback<MlpClassifier, TensorBatch, ClassificationMetrics> first =
        checkpoints(dir, firstHalf);
    firstHalf.fit(model(), shards(), List.of(first));

    assertThat(first.written()).hasSize(3);
    assertThat(CheckpointStore.open(dir).loadLatest().orElseThrow().manifest().sourcePosition())
        .containsKeys("partition.0", "partition.1");

    SparkTrainer<MlpClassifier, ClassificationMetrics> secondHalf = trainer(ROUNDS);
    CheckpointCallback<MlpClassifier, TensorBatch, ClassificationMetrics> second =
        checkpoints(dir, secondHalf);
    Resumed<MlpClassifier> resumed = second.resume(model());
    assertThat(resumed.position().epoch()).isEqualTo(3);
    MlpClassifier resumedRun = secondHalf.fit(resumed, shards(), List.of(second));

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
    EarlyStopping<MlpClassifier, TensorBatch, ClassificationMetrics> stopper =
        EarlyStopping.<MlpClassifier, TensorBatch, ClassificationMetrics>monitor("accuracy")
        .mode(Mode.VAL).direction(Direction.MAX).patience(2).minDelta(10.0).build();

    trainer.fit(model(), shards(), List.of(stopper));

    assertThat(trainer.history()).hasSize(3);
  }
}
