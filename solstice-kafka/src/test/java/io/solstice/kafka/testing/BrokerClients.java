package io.solstice.kafka.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What tests do with a test broker through its bootstrap address, for {@link KafkaBroker} and
 * {@link KafkaBrokerProcess} alike. Uses only client calls that kafka-clients 3.9 and 4.x both
 * have.
 */
final class BrokerClients {
  private BrokerClients() {}

  static void createTopic(String bootstrapServers, String name, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
      // Wait until every partition has a leader, so the first sends do not bounce. Until the
      // new topic's metadata reaches the broker, describing it fails: ask again.
      await("a leader for every partition of " + name)
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .ignoreExceptionsMatching(e -> e instanceof ExecutionException
              && e.getCause() instanceof UnknownTopicOrPartitionException)
          .until(() -> {
            TopicDescription d = admin.describeTopics(List.of(name)).allTopicNames().get().get(name);
            return d.partitions().size() == partitions && d.partitions().stream().allMatch(p -> p.leader() != null);
          });
    }
  }

  static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // Plain retries in order (one request in flight) instead of idempotence: a fresh topic's
    // first send may bounce off a leader election, which can wedge an idempotent producer.
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    return new KafkaProducer<>(p);
  }

  static Map<String, Object> consumerConfig(String bootstrapServers, String group) {
    return Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ConsumerConfig.GROUP_ID_CONFIG, group,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        // Frequent heartbeats make a member notice a rebalance (a second trainer joining) fast.
        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "200");
  }
}
