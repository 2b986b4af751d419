package io.solstice.kafka;

import static org.awaitility.Awaitility.await;

import io.solstice.kafka.testing.KafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Test helpers shared by the Kafka test classes. */
final class KafkaTestSupport {
  private KafkaTestSupport() {}

  /**
   * Reads the first {@code n} records of a one-partition topic (or fewer after 20 s).
   *
   * @param broker the broker
   * @param topic the topic
   * @param n how many records to wait for
   * @return the records
   */
  static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaBroker broker, String topic, int n) {
    Map<String, Object> config = Map.of(
        "bootstrap.servers", broker.bootstrapServers(),
        "key.deserializer", ByteArrayDeserializer.class.getName(),
        "value.deserializer", ByteArrayDeserializer.class.getName());
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      // On this thread: a consumer is not thread-safe.
      await("" + n + " records on " + topic)
          .atMost(Duration.ofSeconds(20))
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(1))
          .until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            return records.size() >= n;
          });
    }
    return records;
  }

  /**
   * One Arrow IPC stream (schema and one batch) of rows {@code id, x, y} with ids {@code
   * first .. first+rows-1}, as a producer would put in a record value.
   *
   * @param allocator for the temporary vectors (all released on return)
   * @param first the first id
   * @param rows the number of rows
   * @return the stream bytes
   * @throws IOException never for an in-memory stream
   */
  static byte[] ipcStream(BufferAllocator allocator, long first, int rows) throws IOException {
    try (BigIntVector id = new BigIntVector("id", allocator);
        Float8Vector x = new Float8Vector("x", allocator);
        Float8Vector y = new Float8Vector("y", allocator)) {
      id.allocateNew(rows);
      x.allocateNew(rows);
      y.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        double xi = ((first + i) % 100) / 100.0;
        id.set(i, first + i);
        x.set(i, xi);
        y.set(i, 2 * xi + 1);
      }
      try (VectorSchemaRoot root = new VectorSchemaRoot(List.<FieldVector>of(id, x, y))) {
        root.setRowCount(rows);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
          writer.start();
          writer.writeBatch();
          writer.end();
        }
        return out.toByteArray();
      }
    }
  }

  /**
   * The value with its record batch's body length rewritten: the batch message's metadata holds
   * it as a little-endian int64 equal to the bytes between that message's metadata and the end
   * marker.
   */
  static byte[] withBodyLength(byte[] value, long declared) {
    ByteBuffer in = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
    int schemaLength = in.getInt(4);
    int batchStart = 8 + schemaLength;
    int batchMetadata = in.getInt(batchStart + 4);
    long body = value.length - 8 - (batchStart + 8 + batchMetadata);
    byte[] out = value.clone();
    ByteBuffer patch = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    for (int at = batchStart + 8; at + 8 <= batchStart + 8 + batchMetadata; at += 4) {
      if (patch.getLong(at) == body) {
        patch.putLong(at, declared);
        return out;
      }
    }
    throw new IllegalStateException("no body length " + body + " in the batch's metadata");
  }
}
