package io.solstice.kafka.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/** Writes test records and reports where each landed. */
public final class Producing {
  private Producing() {}

  /**
   * Where a record landed.
   *
   * @param partition its topic and partition
   * @param offset its offset
   */
  public record Placed(TopicPartition partition, long offset) {}

  /**
   * The JSON row of record {@code id}: {@code x = (id % 100) / 100}, {@code y = 2x + 1}.
   *
   * @param id the record id
   * @return the UTF-8 JSON value
   */
  public static byte[] jsonRow(long id) {
    double x = (id % 100) / 100.0;
    return ("{\"id\": " + id + ", \"x\": " + x + ", \"y\": " + (2 * x + 1) + ", \"note\": \"row\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Sends the given values, the i-th to partition {@code i % partitions}, and waits for them.
   *
   * @param broker the broker
   * @param topic the topic
   * @param partitions how many partitions to spread over
   * @param values the values in order
   * @return where each value landed, by index
   * @throws Exception when a send fails
   */
  public static List<Placed> send(TestBroker broker, String topic, int partitions, List<byte[]> values)
      throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < values.size(); i++) {
        sent.add(producer.send(new ProducerRecord<>(topic, i % partitions, null, values.get(i))));
      }
      List<Placed> placed = new ArrayList<>();
      for (Future<RecordMetadata> f : sent) {
        RecordMetadata m = f.get();
        placed.add(new Placed(new TopicPartition(m.topic(), m.partition()), m.offset()));
      }
      return placed;
    }
  }

  /**
   * Sends JSON rows with ids {@code 0..n-1} round-robin over the partitions.
   *
   * @param broker the broker
   * @param topic the topic
   * @param partitions how many partitions to spread over
   * @param n how many rows
   * @return where each id landed
   * @throws Exception when a send fails
   */
  public static Map<Long, Placed> sendJsonRows(TestBroker broker, String topic, int partitions, int n)
      throws Exception {
    List<byte[]> values = new ArrayList<>(n);
    for (long id = 0; id < n; id++) {
      values.add(jsonRow(id));
    }
    List<Placed> placed = send(broker, topic, partitions, values);
    Map<Long, Placed> byId = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      byId.put((long) i, placed.get(i));
    }
    return byId;
  }
}
