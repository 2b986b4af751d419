package io.solstice.spark;

import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.FeatureSpec;
import io.solstice.core.TensorBatch;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.Solstice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.publisher.Flux;

/**
 * Measures rounds per second of {@link SparkTrainer} on {@code local[2]} and the per-round
 * overhead against local training of the same model on the same batches. Not a test: a
 * program, run as described in {@code docs/SPARK.md}.
 */
public final class RoundOverheadHarness {
  private static final int ROUNDS = 30;

  private RoundOverheadHarness() {}

  static MlpClassifier model() {
    return MlpClassifier.builder().inputs(64).hidden(64).classes(10)
        .updater(new Adam(1e-2)).seed(42).build();
  }

  /**
   * Runs the measurement.
   *
   * @param args ignored
   * @throws Exception when a file cannot be written
   */
  public static void main(String[] args) throws Exception {
    TensorBatch all = DigitsDataset.bundled().asBatch();
    Path dir = Files.createTempDirectory("solstice-spark-harness");
    int half = (int) all.rows() / 2;
    List<String> shards = List.of(
        ShardFiles.write(dir.resolve("a.arrow"), all.features(), all.labels(), 0, half, 32)
            .toString(),
        ShardFiles.write(dir.resolve("b.arrow"), all.features(), all.labels(), half,
            2 * half, 32).toString());

    double localStep = localSecondsPerStep(Path.of(shards.get(0)), 400);
    System.out.printf(Locale.ROOT, "local: %.3f ms per step (batch 32, one thread)%n",
        localStep * 1e3);

    try (LocalSpark spark = LocalSpark.start("local[2]")) {
      TrainingShards data =
          TrainingShards.files(spark.context(), shards, ShardFiles::digitsSpec, 0);
      run(spark, data, 10, 30); // warm-up: JIT, Spark's scheduler, ND4J
      for (int k : new int[] {1, 10, 50}) {
        run(spark, data, k, 5);
        double seconds = run(spark, data, k, ROUNDS);
        double perRound = seconds / ROUNDS;
        System.out.printf(Locale.ROOT,
            "spark local[2], K=%d: %.2f rounds/s, %.1f ms per round, overhead %.1f ms per round"
                + " over K local steps%n",
            k, 1 / perRound, perRound * 1e3, (perRound - k * localStep) * 1e3);
      }
    }
  }

  private static double run(LocalSpark spark, TrainingShards data, int k, int rounds) {
    SparkTrainer<MlpClassifier, ClassificationMetrics> trainer =
        SparkTrainer.builder(spark.context(), RoundOverheadHarness::model,
                MetricsCodec.classification())
            .rounds(rounds).stepsPerRound(k).build();
    long start = System.nanoTime();
    trainer.fit(model(), data);
    return (System.nanoTime() - start) / 1e9;
  }

  private static double localSecondsPerStep(Path file, int steps) {
    FeatureSpec spec = ShardFiles.digitsSpec();
    try (BufferAllocator allocator = new RootAllocator()) {
      Flux<TensorBatch> source = Flux.defer(() -> ArrowSources.ipcFile(file, allocator))
          .map(spec::toTensors).map(TensorBatch.class::cast).repeat().take(steps, true);
      Solstice.run(model()).train(source.take(50, true)).block(); // warm-up
      long start = System.nanoTime();
      Solstice.run(model()).train(source).block();
      return (System.nanoTime() - start) / 1e9 / steps;
    }
  }
}
