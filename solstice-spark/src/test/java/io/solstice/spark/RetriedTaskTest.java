package io.solstice.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.TensorBatch;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.models.MlpClassifier;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

/** A round is deterministic: a task Spark retries gives the round the same result. */
class RetriedTaskTest {

  /** Failures injected so far; executors of a local master share this JVM. */
  private static final AtomicInteger INJECTED_FAILURES = new AtomicInteger();

  private static LocalSpark spark;
  private static List<String> shards;

  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    // local[2,2]: two threads, and each task may be attempted twice.
    spark = LocalSpark.start("local[2,2]");
    TensorBatch all = DigitsDataset.bundled().asBatch();
    shards = List.of(
        ShardFiles.write(dir.resolve("a.arrow"), all.features(), all.labels(), 0, 160, 32)
            .toString(),
        ShardFiles.write(dir.resolve("b.arrow"), all.features(), all.labels(), 160, 256, 32)
            .toString());
  }

  @AfterAll
  static void stop() {
    spark.close();
  }

  /** Adam and dropout, so that optimizer state and per-partition seeds both matter. */
  static MlpClassifier model() {
    return MlpClassifier.builder().inputs(64).hidden(32).classes(10)
        .updater(new Adam(5e-3)).dropout(0.2).seed(3).build();
  }

  /** The same model, except that partition 1's first attempt of every round fails. */
  static MlpClassifier modelFailingFirstAttemptOfPartitionOne() {
    TaskContext task = TaskContext.get();
    if (task != null && task.partitionId() == 1 && task.attemptNumber() == 0) {
      INJECTED_FAILURES.incrementAndGet();
      throw new IllegalStateException("injected failure of partition 1, attempt 0");
    }
    return model();
  }

  private static MlpClassifier train(SerializableSupplier<MlpClassifier> factory) {
    return SparkTrainer.builder(spark.context(), factory, MetricsCodec.classification())
        .rounds(4)
        .stepsPerRound(3)
        .build()
        .fit(model(), TrainingShards.files(spark.context(), shards, ShardFiles::digitsSpec, 0));
  }

  @Test
  void aTaskThatFailsOnItsFirstAttemptLeavesTheSameFinalParameters() {
    MlpClassifier undisturbed = train(RetriedTaskTest::model);
    int failuresBefore = INJECTED_FAILURES.get();

    MlpClassifier retried = train(RetriedTaskTest::modelFailingFirstAttemptOfPartitionOne);

    assertThat(INJECTED_FAILURES.get() - failuresBefore).isEqualTo(4);
    assertThat(retried.state()).isEqualTo(undisturbed.state());
    assertThat(retried.state()).isNotEqualTo(model().state());
  }
}
