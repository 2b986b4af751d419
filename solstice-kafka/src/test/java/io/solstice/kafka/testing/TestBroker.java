package io.solstice.kafka.testing;

import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * A Kafka broker a test talks to: in the test JVM ({@link KafkaBroker}) or in a JVM of its own
 * ({@link KafkaBrokerProcess}, for tests whose classpath holds another kafka-clients line).
 */
public interface TestBroker extends AutoCloseable {

  /** The bootstrap address on loopback, {@code host:port}. */
  String bootstrapServers();

  /**
   * Creates a topic and waits until every partition has a leader.
   *
   * @param name the topic name
   * @param partitions the number of partitions
   * @throws Exception when the topic cannot be created
   */
  void createTopic(String name, int partitions) throws Exception;

  /** A producer of byte keys and values to this broker; the caller closes it. */
  KafkaProducer<byte[], byte[]> producer();

  /**
   * Consumer settings for a group on this broker, reading from the earliest offset.
   *
   * @param group the group id
   * @return the settings
   */
  Map<String, Object> consumerConfig(String group);
}
