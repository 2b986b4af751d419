package io.solstice.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.kafka.testing.KafkaBrokerProcess;
import io.solstice.online.streams.ConceptDrift;
import io.solstice.online.streams.SeaGenerator;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

/**
 * {@link SparkStreamingTrainer} on Spark's Kafka source, reading a real Kafka broker (the test
 * broker of solstice-kafka, in a JVM of its own: it needs kafka-clients 4.1, Spark's source
 * 3.9), with a {@code local[2]} master: exactly-once training across query restarts, a restarted
 * model equal to an uninterrupted replay of the same micro-batches, backpressure through
 * {@code maxOffsetsPerTrigger} with the lag reported, and prequential accuracy on a drifting
 * stream.
 */
class StreamingTrainingTest {
  private static final List<String> FEATURES = List.of("id", "x0", "x1", "x2");
  private static final List<String> FIELDS = List.of("id", "x0", "x1", "x2", "label");
  private static final Duration PATIENCE = Duration.ofMinutes(4);

  private static KafkaBrokerProcess broker;
  private static LocalSpark spark;

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBrokerProcess.start();
    spark = LocalSpark.start("local[2]");
  }

  @AfterAll
  static void stop() throws Exception {
    if (spark != null) {
      spark.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  static MlpClassifier sea() {
    return MlpClassifier.builder().inputs(3).hidden(16).classes(2)
        .updater(new Adam(0.05)).seed(11).build();
  }

  static KeyCountingClassifier counting(int keys) {
    return KeyCountingClassifier.create(sea(), keys);
  }

  private static SparkStreamingTrainer<KeyCountingClassifier, ClassificationMetrics> countingTrainer(
      Path checkpoints, int keys) {
    return SparkStreamingTrainer.builder(spark.context(), () -> counting(keys),
            MetricsCodec.classification())
        .rows(FEATURES, "label", 2, 10)
        .stepsPerRound(3)
        .summedState("seen/")
        .checkpoints(checkpoints)
        .build();
  }

  /** SEA's three features, 20 rows per step, K = 2. */
  private static SparkStreamingTrainer<MlpClassifier, ClassificationMetrics> seaTrainer(
      Path checkpoints) {
    return SparkStreamingTrainer.builder(spark.context(), StreamingTrainingTest::sea,
            MetricsCodec.classification())
        .rows(List.of("x0", "x1", "x2"), "label", 2, 20)
        .stepsPerRound(2)
        .checkpoints(checkpoints)
        .build();
  }

  private static Dataset<Row> rows(String topic, long maxOffsetsPerTrigger) {
    return KafkaRows.json(
        KafkaRows.stream(spark.session(), broker.bootstrapServers(), topic, maxOffsetsPerTrigger),
        FIELDS);
  }

  @Test
  void recordsProducedWhileTrainingAreTrainedExactlyOnceAcrossRestarts(@TempDir Path dir)
      throws Exception {
    String topic = "exactly-once";
    int keys = 800;
    broker.createTopic(topic, 2);
    SeaGenerator generator = SeaGenerator.of(1, 5);
    StreamingRecords.send(broker, topic, 2, generator, 0, 200, 10);
    ExecutorService producer = Executors.newSingleThreadExecutor();
    var trainer = countingTrainer(dir.resolve("checkpoints"), keys);
    Map<Long, MicroBatchSummary<ClassificationMetrics>> batches = new TreeMap<>();
    try {
      // Run 1 fails right after micro-batch 2's state is written, before Spark commits it.
      List<TrainingEvent<?, ?>> firstEvents = new CopyOnWriteArrayList<>();
      var first = trainer.open(counting(keys), firstEvents::add,
          failAt(2, TrainingEvent.EpochEnded.class));
      List<MicroBatchSummary<ClassificationMetrics>> firstProgress = collect(first);
      StreamingQuery query = first.start(rows(topic, 100));
      Future<?> produced = producer.submit(() -> {
        for (int chunk = 2; chunk < keys / 100; chunk++) {
          StreamingRecords.send(broker, topic, 2, generator, chunk * 100L, 100, 10);
        }
        return null;
      });
      assertThatThrownBy(query::awaitTermination).isInstanceOf(StreamingQueryException.class)
          .hasStackTraceContaining("injected failure at micro-batch 2");
      first.close();
      assertThat(first.appliedBatch()).isEqualTo(2);
      assertThat(firstEvents.get(firstEvents.size() - 1))
          .isInstanceOfSatisfying(TrainingEvent.RunEnded.class,
              ended -> assertThat(ended.outcome().status()).isEqualTo(RunOutcome.Status.FAILED));
      firstProgress.forEach(b -> batches.put(b.batchId(), b));

      // Run 2 skips micro-batch 2 (applied, not committed), trains 3, and fails inside 4
      // before its state is written.
      var second = trainer.open(counting(keys), failAt(4, TrainingEvent.StepStarted.class));
      assertThat(second.appliedBatch()).isEqualTo(2);
      List<MicroBatchSummary<ClassificationMetrics>> secondProgress = collect(second);
      query = second.start(rows(topic, 100));
      assertThatThrownBy(query::awaitTermination).isInstanceOf(StreamingQueryException.class)
          .hasStackTraceContaining("injected failure at micro-batch 4");
      await("progress of micro-batch 3").atMost(PATIENCE)
          .until(() -> secondProgress.stream().anyMatch(b -> b.batchId() == 3));
      second.close();
      assertThat(second.appliedBatch()).isEqualTo(3);
      assertThat(secondProgress).filteredOn(b -> b.batchId() == 2).singleElement()
          .satisfies(b -> assertThat(b.skipped()).isTrue());
      secondProgress.forEach(b -> batches.put(b.batchId(), b));

      // Run 3 trains 4 again and everything produced meanwhile. The last micro-batch is the one
      // whose applied state has seen every record: the run's experiment already counts them
      // after that batch's last round, before the batch is applied.
      AtomicLong completing = new AtomicLong(-1);
      var third = trainer.open(counting(keys), event -> {
        if (event instanceof TrainingEvent.EpochEnded<?, ?> ended
            && total(((KeyCountingClassifier) ended.experiment()).counts()) >= keys) {
          completing.compareAndSet(-1, ended.epoch());
        }
      });
      List<MicroBatchSummary<ClassificationMetrics>> thirdProgress = collect(third);
      third.start(rows(topic, 100));
      produced.get();
      await("every record trained").atMost(PATIENCE).until(() -> completing.get() >= 0);
      long last = completing.get();
      await("progress of the last micro-batch").atMost(PATIENCE)
          .until(() -> thirdProgress.stream().anyMatch(b -> b.batchId() == last));
      third.close();
      assertThat(third.appliedBatch()).as("no micro-batch after the last record").isEqualTo(last);
      thirdProgress.forEach(b -> batches.put(b.batchId(), b));

      float[] ones = new float[keys];
      Arrays.fill(ones, 1f);
      assertThat(third.experiment().counts()).as("times each record was trained").isEqualTo(ones);
      assertThat(batches.keySet()).as("micro-batches reported").containsExactlyElementsOf(
          java.util.stream.LongStream.rangeClosed(0, last).boxed().toList());

      // The same micro-batches, read back by offset range and applied without interruption.
      var replayTrainer = countingTrainer(dir.resolve("replay"), keys);
      try (var replay = replayTrainer.open(counting(keys))) {
        for (MicroBatchSummary<ClassificationMetrics> batch : batches.values()) {
          replay.applyMicroBatch(KafkaRows.json(KafkaRows.range(spark.session(),
              broker.bootstrapServers(), topic, batch.startOffsets(), batch.endOffsets()), FIELDS),
              batch.batchId());
        }
        assertThat(replay.experiment().state()).isEqualTo(third.experiment().state());
      }
    } finally {
      producer.shutdownNow();
    }
  }

  /**
   * A micro-batch whose state is written just as the query is stopped is never reported by
   * Spark: the run reports it when it closes, so its progress adds up to what the model saw.
   */
  @Test
  void aMicroBatchAppliedAsTheQueryStopsIsReportedWhenTheRunCloses(@TempDir Path dir)
      throws Exception {
    String topic = "stopped-in-flight";
    broker.createTopic(topic, 2);
    StreamingRecords.send(broker, topic, 2, SeaGenerator.of(1, 7), 0, 400, 10);
    SparkStreamingTrainer<MlpClassifier, ClassificationMetrics> trainer = seaTrainer(dir);
    CountDownLatch written = new CountDownLatch(1);
    // Holds the query's thread after micro-batch 1's state is written, until the stop
    // interrupts it: the batch is applied and Spark never completes it.
    var run = trainer.open(sea(), event -> {
      if (event instanceof TrainingEvent.EpochEnded<?, ?> ended && ended.epoch() == 1) {
        written.countDown();
        try {
          Thread.sleep(PATIENCE.toMillis());
        } catch (InterruptedException e) {
          throw new IllegalStateException("interrupted by the stop", e);
        }
      }
    });
    List<MicroBatchSummary<ClassificationMetrics>> progress = collect(run);
    run.start(rows(topic, 100));
    assertThat(written.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    run.close();

    assertThat(run.appliedBatch()).isEqualTo(1);
    assertThat(progress).extracting(MicroBatchSummary::batchId).containsExactly(0L, 1L);
    assertThat(progress).allSatisfy(b -> assertThat(b.records()).isEqualTo(100));
    assertThat(progress.get(0).endOffsets()).as("micro-batch 0, which Spark reported").isNotNull();
    assertThat(progress.get(1)).satisfies(b -> {
      assertThat(b.lag()).isEqualTo(-1);
      assertThat(b.endOffsets()).isNull();
    });
    try (var restarted = trainer.open(sea())) {
      assertThat(restarted.appliedBatch()).isEqualTo(1);
      assertThat(restarted.experiment().state()).isEqualTo(run.experiment().state());
    }
  }

  @Test
  void maxOffsetsPerTriggerBoundsEachMicroBatchAndTheLagIsReported(@TempDir Path dir)
      throws Exception {
    String topic = "drifting";
    int records = 4000;
    broker.createTopic(topic, 2);
    // SEA concept 4 (class 1 when x0 + x1 > 9.5), then abruptly concept 3 (x0 + x1 > 7) from
    // row 2000: a fifth of the rows change class.
    StreamingRecords.send(broker, topic, 2, new ConceptDrift(
        new SeaGenerator(4, 0, false, 3), new SeaGenerator(3, 0, false, 4), 2000, 1, 5),
        0, records, 10);
    SparkStreamingTrainer<MlpClassifier, ClassificationMetrics> trainer = seaTrainer(dir);
    List<TrainingEvent<?, ?>> steps = new CopyOnWriteArrayList<>();
    List<MicroBatchSummary<ClassificationMetrics>> progress;
    try (var run = trainer.open(sea(), event -> {
      if (event instanceof TrainingEvent.StepEnded<?, ?> step && step.mode() == Mode.TRAIN) {
        steps.add(step);
      }
    })) {
      progress = collect(run);
      run.start(rows(topic, 400));
      await("all micro-batches reported").atMost(PATIENCE)
          .until(() -> progress.stream().mapToLong(MicroBatchSummary::records).sum() >= records);
    }
    List<MicroBatchSummary<ClassificationMetrics>> batches = new ArrayList<>(progress);
    assertThat(batches).hasSize(records / 400);
    assertThat(batches).allSatisfy(b -> {
      assertThat(b.records()).isEqualTo(400);
      assertThat(b.rounds()).isEqualTo(5); // 200 rows per partition = 10 batches = 5 K
      assertThat(b.lag()).isEqualTo(records - 400 * (b.batchId() + 1));
    });
    assertThat(steps).hasSize(5 * records / 400);
    assertThat(batches.stream().mapToLong(b -> b.prequential().count()).sum())
        .as("rows evaluated before training").isEqualTo(records);

    // Each round's rows (2 partitions x K = 2 steps x 20 rows), evaluated before training.
    double[] accuracy = steps.stream()
        .mapToDouble(step -> ((ClassificationMetrics) ((TrainingEvent.StepEnded<?, ?>) step)
            .prequential().evaluated()).compute().get("accuracy"))
        .toArray();
    System.out.println("prequential accuracy per round: " + Arrays.toString(accuracy));
    double before = mean(accuracy, 15, 25);
    double dip = accuracy[25]; // the first round of row 2000 on
    double after = mean(accuracy, 40, 50);
    assertThat(dip).as("accuracy in the round of the drift").isLessThan(before - 0.08);
    assertThat(after).as("accuracy once recovered").isGreaterThan(dip + 0.08)
        .isGreaterThan(before - 0.05);
  }

  private static double mean(double[] values, int from, int to) {
    return Arrays.stream(values, from, to).average().orElseThrow();
  }

  private static double total(float[] counts) {
    double sum = 0;
    for (float c : counts) {
      sum += c;
    }
    return sum;
  }

  private static <M> List<MicroBatchSummary<M>> collect(StreamingRun<?, ?> run) {
    List<MicroBatchSummary<M>> out = new CopyOnWriteArrayList<>();
    @SuppressWarnings("unchecked")
    StreamingRun<?, ClassificationMetrics> typed = (StreamingRun<?, ClassificationMetrics>) run;
    typed.progress().subscribe(b -> out.add((MicroBatchSummary<M>) b));
    return out;
  }

  /** Throws when an event of the given type arrives for the given micro-batch. */
  private static TrainingSubscriber<Object, Object> failAt(long batchId, Class<?> eventType) {
    return event -> {
      int epoch = event instanceof TrainingEvent.EpochEnded<?, ?> e ? e.epoch()
          : event instanceof TrainingEvent.StepStarted<?, ?> s ? s.epoch() : -1;
      if (epoch == batchId && eventType.isInstance(event)) {
        throw new IllegalStateException("injected failure at micro-batch " + batchId);
      }
    };
  }
}
