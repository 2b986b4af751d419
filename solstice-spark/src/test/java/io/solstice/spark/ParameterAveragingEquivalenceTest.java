package io.solstice.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.solstice.core.TensorBatch;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;

/** What a round computes: parameter averaging, weighted by examples, over any partitioning. */
class ParameterAveragingEquivalenceTest {

  private static final int ROWS_PER_SHARD = 128;
  private static final int BATCH = 32;
  private static final int ROUNDS = 4;

  private static LocalSpark spark;
  private static INDArray features;
  private static INDArray labels;

  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    spark = LocalSpark.start("local[2]");
    TensorBatch all = DigitsDataset.bundled().asBatch();
    features = all.features();
    labels = all.labels();
  }

  @AfterAll
  static void stop() {
    spark.close();
  }

  static MlpClassifier sgdModel() {
    return MlpClassifier.builder().inputs(64).hidden(16).classes(10)
        .updater(new Sgd(0.1)).seed(7).build();
  }

  private static SparkTrainer<MlpClassifier, ClassificationMetrics> trainer(int rounds) {
    return SparkTrainer.builder(spark.context(), ParameterAveragingEquivalenceTest::sgdModel,
            MetricsCodec.classification())
        .rounds(rounds)
        .stepsPerRound(1)
        .build();
  }

  @Test
  void withOneStepPerRoundAndPlainSgdAveragingEqualsLargeBatchSgd() {
    List<String> shards =
        ShardFiles.equalShards(dir, features, labels, 2, ROWS_PER_SHARD, BATCH);

    MlpClassifier distributed = trainer(ROUNDS).fit(
        sgdModel(), TrainingShards.files(spark.context(), shards, ShardFiles::digitsSpec, 0));

    MlpClassifier local = sgdModel();
    for (int step = 0; step < ROUNDS; step++) {
      int a = step * BATCH;
      int b = ROWS_PER_SHARD + step * BATCH;
      INDArray x = Nd4j.vstack(rows(features, a, a + BATCH), rows(features, b, b + BATCH));
      INDArray y = Nd4j.concat(0, rows(labels, a, a + BATCH), rows(labels, b, b + BATCH));
      local = local.trainStep(TensorBatch.of(x, y)).experiment();
    }

    for (String name : List.of("layer0/W", "layer0/b", "layer1/W", "layer1/b")) {
      INDArray expected = local.state().get(name);
      INDArray actual = distributed.state().get(name);
      assertThat(actual.equalsWithEps(expected, 1e-5))
          .as("%s: distributed %s vs local %s", name, actual, expected).isTrue();
      assertThat(actual.equalsWithEps(sgdModel().state().get(name), 1e-3))
          .as("%s moved away from its initial value", name).isFalse();
    }
    assertThat(distributed.state().getLong("updater/iteration")).isEqualTo(ROUNDS);
  }

  @Test
  void roundsMergeTheMetricsOfEveryPartition() throws IOException {
    List<String> shards = ShardFiles.equalShards(Files.createDirectories(dir.resolve("metrics")), features, labels,
        2, ROWS_PER_SHARD, BATCH);
    SparkTrainer<MlpClassifier, ClassificationMetrics> trainer = trainer(3);

    trainer.fit(sgdModel(), TrainingShards.files(spark.context(), shards, ShardFiles::digitsSpec, 0));

    assertThat(trainer.history()).hasSize(3).allSatisfy(round -> {
      assertThat(round.examples()).isEqualTo(2 * BATCH);
      assertThat(round.contributingPartitions()).isEqualTo(2);
      assertThat(round.metrics().count()).isEqualTo(2 * BATCH);
    });
  }

  @Test
  void anEmptyPartitionHasWeightZeroAndNeverHoldsUpARound() {
    Path full = ShardFiles.write(dir.resolve("full.arrow"), features, labels, 0, 96, BATCH);
    Path empty = ShardFiles.write(dir.resolve("empty.arrow"), features, labels, 0, 0, BATCH);

    MlpClassifier alone = trainer(5).fit(sgdModel(),
        TrainingShards.files(spark.context(), List.of(full.toString()), ShardFiles::digitsSpec, 0));
    MlpClassifier withEmpty = assertTimeoutPreemptively(Duration.ofMinutes(1),
        () -> trainer(5).fit(sgdModel(), TrainingShards.files(spark.context(),
            List.of(full.toString(), empty.toString()), ShardFiles::digitsSpec, 0)));

    assertThat(withEmpty.state()).isEqualTo(alone.state());
  }

  @Test
  void unevenPartitionsWrapAroundTheirShardAndWeighByExamples() {
    // 3 batches vs 1 batch of 20 rows: with K = 2 the short shard repeats its batch.
    Path longer = ShardFiles.write(dir.resolve("long.arrow"), features, labels, 0, 96, BATCH);
    Path shorter = ShardFiles.write(dir.resolve("short.arrow"), features, labels, 200, 220, BATCH);
    SparkTrainer<MlpClassifier, ClassificationMetrics> trainer =
        SparkTrainer.builder(spark.context(), ParameterAveragingEquivalenceTest::sgdModel,
                MetricsCodec.classification())
            .rounds(3).stepsPerRound(2).build();

    trainer.fit(sgdModel(), TrainingShards.files(spark.context(),
        List.of(longer.toString(), shorter.toString()), ShardFiles::digitsSpec, 0));

    List<Long> examples = new ArrayList<>();
    trainer.history().forEach(round -> examples.add(round.examples()));
    assertThat(examples).containsExactly(2L * BATCH + 40, 2L * BATCH + 40, 2L * BATCH + 40);
    assertThat(trainer.sourcePosition().get())
        // 6 batches = 2 passes over 3; both stand past their last batch and wrap next round.
        .containsEntry("partition.0", List.of(0L, 3L))
        .containsEntry("partition.1", List.of(0L, 1L));
  }

  private static INDArray rows(INDArray array, int from, int to) {
    return array.rank() == 1
        ? array.get(NDArrayIndex.interval(from, to)).dup()
        : array.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup();
  }
}
