package io.solstice.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.arrow.ArrowBatch;
import io.solstice.core.Callback;
import io.solstice.kafka.testing.KafkaBroker;
import io.solstice.kafka.testing.Producing;
import io.solstice.kafka.testing.RecordingRegression;
import io.solstice.kafka.testing.TrainingLog;
import io.solstice.reactive.FitOptions;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.StepResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Training on a real topic: every record once, offsets committed after training, IPC records. */
class KafkaTrainingTest {
  private static KafkaBroker broker;
  private BufferAllocator allocator;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    broker.close();
  }

  @BeforeEach
  void openAllocator() {
    allocator = new RootAllocator();
  }

  @AfterEach
  void closeAllocator() {
    KafkaTestSupport.closeWhenReleased(allocator);
  }

  @Test
  void everyRecordIsTrainedExactlyOnceAndItsOffsetCommitted() throws Exception {
    broker.createTopic("once", 3);
    Map<Long, Producing.Placed> placed = Producing.sendJsonRows(broker, "once", 3, 900);
    TrainingLog log = new TrainingLog();
    KafkaSource source = KafkaSource.builder(broker.consumerConfig("g-once"), "once")
        .format(RecordFormat.json(RowColumn.int64("id"), RowColumn.float64("x"), RowColumn.float64("y")))
        .batchRows(50)
        .linger(Duration.ofMillis(100))
        .completeWhenIdle(Duration.ofSeconds(1))
        .allocator(allocator)
        .build();

    List<StepResult<RecordingRegression, Double>> results = fit(source, new RecordingRegression(log, 0));

    assertThat(log.counts()).hasSize(900);
    assertThat(log.counts().values()).containsOnly(1);
    assertThat(results).hasSizeGreaterThanOrEqualTo(18);
    double[] wb = results.get(results.size() - 1).experiment().parameters();
    assertThat(wb[1]).as("the intercept moves towards 1").isGreaterThan(0.3);
    Map<TopicPartition, Long> ends = endOffsets(placed);
    assertThat(committed("g-once", ends.keySet())).isEqualTo(ends);
    assertThat(KafkaSource.offsetsFrom(source.currentPosition())).isEqualTo(ends);
  }

  static List<StepResult<RecordingRegression, Double>> fit(KafkaSource source, RecordingRegression exp) {
    Callback<RecordingRegression, ArrowBatch, Double> ack = source.acknowledger();
    return Solstice.fit(exp, source.batches(), null, List.of(ack), FitOptions.defaults())
        .collectList()
        .block(Duration.ofSeconds(60));
  }

  static Map<TopicPartition, Long> endOffsets(Map<Long, Producing.Placed> placed) {
    return placed.values().stream().collect(Collectors.toMap(
        Producing.Placed::partition, p -> p.offset() + 1, Math::max));
  }

  static Map<TopicPartition, Long> committed(String group, java.util.Set<TopicPartition> partitions)
      throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      return offsets.entrySet().stream()
          .filter(e -> partitions.contains(e.getKey()) && e.getValue() != null)
          .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }
  }

  static List<Long> ids(long from, long to) {
    return LongStream.range(from, to).boxed().toList();
  }
}
