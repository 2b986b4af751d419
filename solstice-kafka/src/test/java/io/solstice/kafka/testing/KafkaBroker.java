package io.solstice.kafka.testing;

import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node Kafka cluster in KRaft mode (one combined broker and controller) inside
 * the test JVM, listening on loopback. One per test class: start it in {@code @BeforeAll} and
 * close it in {@code @AfterAll}.
 */
public final class KafkaBroker implements TestBroker {
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
   * Creates a topic and waits until every partition has a leader.
   *
   * @param name the topic name
   * @param partitions the number of partitions
   * @throws Exception when the topic cannot be created
   */
  public void createTopic(String name, int partitions) throws Exception {
    BrokerClients.createTopic(bootstrapServers(), name, partitions);
  }

  /**
   * A producer of raw bytes, acknowledged by the broker before {@code send(...).get()} returns.
   *
   * @return a new producer; close it
   */
  public KafkaProducer<byte[], byte[]> producer() {
    return BrokerClients.producer(bootstrapServers());
  }

  /**
   * Consumer settings for a group on this broker, reading from the earliest offset.
   *
   * @param group the consumer group id
   * @return the settings
   */
  public Map<String, Object> consumerConfig(String group) {
    return BrokerClients.consumerConfig(bootstrapServers(), group);
  }

  /**
   * Runs a broker until standard input ends, for {@link KafkaBrokerProcess}: prints {@code
   * READY <bootstrap servers>} once it serves, and stops when the parent closes the pipe (or
   * dies).
   *
   * @param args ignored
   * @throws Exception when the broker does not start
   */
  public static void main(String[] args) throws Exception {
    try (KafkaBroker broker = start()) {
      System.out.println(KafkaBrokerProcess.READY + broker.bootstrapServers());
      System.out.flush();
      while (System.in.read() != -1) {
        // nothing to read: the end of input is the signal to stop
      }
    }
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
