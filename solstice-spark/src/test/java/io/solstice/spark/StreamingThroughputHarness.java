package io.solstice.spark;

import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.kafka.testing.KafkaBrokerProcess;
import io.solstice.online.streams.SeaGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Measures rounds per second and rows per second per executor core of {@link
 * SparkStreamingTrainer} on {@code local[2]}, reading Kafka (the test broker, in its own JVM)
 * through Spark's Kafka source, for K = 1, 10 and 50. Not a test: a program, run as described
 * in {@code docs/SPARK.md}.
 *
 * <p>Every micro-batch holds {@value #PER_MICRO_BATCH} rows ({@code maxOffsetsPerTrigger}) over
 * two partitions, so each partition has 50 batches of {@value #BATCH_ROWS} rows: K = 1 trains a
 * micro-batch in 50 rounds, K = 10 in 5, K = 50 in one. The three K are measured in turns (K =
 * 1, 10, 50, then again), each turn on a fresh query over the same topic, and each turn's
 * first micro-batch is left out as warm-up.
 */
public final class StreamingThroughputHarness {
  private static final int BATCH_ROWS = 32;
  private static final int PER_MICRO_BATCH = 2 * 50 * BATCH_ROWS;
  private static final int MICRO_BATCHES = 3;
  private static final int TURNS = 2;

  private StreamingThroughputHarness() {}

  static MlpClassifier model() {
    return MlpClassifier.builder().inputs(3).hidden(16).classes(2)
        .updater(new Adam(0.05)).seed(42).build();
  }

  /**
   * Runs the measurement.
   *
   * @param args ignored
   * @throws Exception when the broker or Spark fails
   */
  public static void main(String[] args) throws Exception {
    String topic = "throughput";
    Path dir = Files.createTempDirectory("solstice-streaming-harness");
    Map<Integer, List<double[]>> results = new LinkedHashMap<>();
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start();
        LocalSpark spark = LocalSpark.start("local[2]")) {
      broker.createTopic(topic, 2);
      StreamingRecords.send(broker, topic, 2, SeaGenerator.of(1, 1), 0,
          PER_MICRO_BATCH * MICRO_BATCHES, 10);
      int run = 0;
      for (int turn = 0; turn < TURNS; turn++) {
        for (int k : new int[] {1, 10, 50}) {
          results.computeIfAbsent(k, key -> new ArrayList<>())
              .add(measure(spark, broker, topic, dir.resolve("run-" + run++), k));
        }
      }
    }
    int cores = 2;
    for (Map.Entry<Integer, List<double[]>> entry : results.entrySet()) {
      for (double[] r : entry.getValue()) {
        System.out.printf(Locale.ROOT,
            "K=%d: %.0f rounds, %.0f rows in %.2f s of training: %.2f rounds/s, %.0f rows/s,"
                + " %.0f rows/s per executor core (%d cores); whole micro-batches (Spark's"
                + " processing rate): %.0f rows/s%n",
            entry.getKey(), r[0], r[1], r[2], r[0] / r[2], r[1] / r[2], r[1] / r[2] / cores,
            cores, r[1] / r[3]);
      }
    }
  }

  /**
   * Rounds, rows, training seconds and Spark's batch seconds (from its processing rate) of the
   * micro-batches after the first.
   */
  private static double[] measure(
      LocalSpark spark, KafkaBrokerProcess broker, String topic, Path checkpoints, int k)
      throws Exception {
    SparkStreamingTrainer<MlpClassifier, ClassificationMetrics> trainer =
        SparkStreamingTrainer.builder(spark.context(), StreamingThroughputHarness::model,
                MetricsCodec.classification())
            .rows(List.of("x0", "x1", "x2"), "label", 2, BATCH_ROWS)
            .stepsPerRound(k)
            .checkpoints(checkpoints)
            .build();
    List<MicroBatchSummary<ClassificationMetrics>> batches = new CopyOnWriteArrayList<>();
    try (var run = trainer.open(model())) {
      run.progress().subscribe(batches::add);
      run.start(KafkaRows.json(KafkaRows.stream(spark.session(), broker.bootstrapServers(),
          topic, PER_MICRO_BATCH), List.of("x0", "x1", "x2", "label")));
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
      while (batches.size() < MICRO_BATCHES && System.nanoTime() < deadline) {
        Thread.sleep(200); // a program polling its progress, not a test
      }
    }
    double rounds = 0;
    double rows = 0;
    double seconds = 0;
    double batchSeconds = 0;
    for (MicroBatchSummary<ClassificationMetrics> batch : batches.subList(1, batches.size())) {
      rounds += batch.rounds();
      rows += batch.records();
      seconds += batch.trainingTime().toNanos() / 1e9;
      batchSeconds += batch.records() / batch.processedRowsPerSecond();
    }
    return new double[] {rounds, rows, seconds, batchSeconds};
  }
}
