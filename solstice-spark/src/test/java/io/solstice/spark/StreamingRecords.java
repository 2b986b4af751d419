package io.solstice.spark;

import io.solstice.kafka.testing.KafkaBrokerProcess;
import io.solstice.online.streams.RowGenerator;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes the rows of a synthetic stream to a Kafka topic as the JSON records {@link KafkaRows}
 * reads: {@code {"id": i, "x0": ..., "label": ...}} keyed by the id, record {@code i} to
 * partition {@code i % partitions}. Features are divided by {@code scale}.
 */
final class StreamingRecords {
  private StreamingRecords() {}

  /**
   * Sends rows {@code first .. first + count - 1} of the generator (which must stand at row
   * {@code first}) and waits until the broker has them all.
   */
  static void send(KafkaBrokerProcess broker, String topic, int partitions, RowGenerator rows,
      long first, int count, double scale) {
    double[] x = new double[rows.features()];
    try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
      for (long id = first; id < first + count; id++) {
        int label = rows.next(x);
        StringBuilder json = new StringBuilder("{\"id\": ").append(id);
        for (int f = 0; f < x.length; f++) {
          json.append(String.format(Locale.ROOT, ", \"x%d\": %.6f", f, x[f] / scale));
        }
        json.append(", \"label\": ").append(label).append('}');
        producer.send(new ProducerRecord<>(topic, (int) (id % partitions),
            Long.toString(id).getBytes(StandardCharsets.UTF_8),
            json.toString().getBytes(StandardCharsets.UTF_8)));
      }
      producer.flush();
    }
  }
}
