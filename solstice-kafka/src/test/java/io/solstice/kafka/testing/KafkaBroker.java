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
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node Kafka cluster in KRaft mode (one combined broker and controller) inside
 * the test JVM, listening on loopback. One per test class: start it in {@code @BeforeAll} and
 * close it in {@code @AfterAll}.
 */
public final class KafkaBroker implements AutoCloseable {
  private final KafkaClusterTestKit cluster;

  private KafkaBroker(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /**
   * Formats storage in a temporary directory and starts the node.
   *
   * @return the running broker
   * @throws Exception when the node does not start
   */
  public static KafkaBroker start() throws Exception {
    TestKitNodes nodes =
        new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build();
    KafkaClusterTestKit cluster =
        new KafkaClusterTestKit.Builder(nodes)
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("offsets.topic.num.partitions", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("num.network.threads", "2")
            .setConfigProp("num.io.threads", "2")
            .setConfigProp("log.flush.interval.messages", "1000000")
            .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    return new KafkaBroker(cluster);
  }

  /**
   * The bootstrap address of the broker on loopback.
   *
   * @return host:port
   */
  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /**
   * Creates a topic and waits until it exists.
   *
   * @param name the topic name
   * @param partitions the number of partitions
   * @throws Exception when the topic cannot be created
   */
  public void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
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

  /**
   * A producer of raw bytes, acknowledged by the broker before {@code send(...).get()} returns.
   *
   * @return a new producer; close it
   */
  public KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
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

  /**
   * Consumer settings for a group on this broker, reading from the earliest offset.
   *
   * @param group the consumer group id
   * @return the settings
   */
  public Map<String, Object> consumerConfig(String group) {
    return Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, group,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        // Frequent heartbeats make a member notice a rebalance (a second trainer joining) fast.
        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "200");
  }

  /** Stops the node and deletes its storage. */
  @Override
  public void close() {
    try {
      cluster.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping the broker", e);
    } catch (Exception e) {
      throw new IllegalStateException("the broker did not stop cleanly", e);
    }
  }
}
