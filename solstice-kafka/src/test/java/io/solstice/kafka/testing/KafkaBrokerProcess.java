package io.solstice.kafka.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The same {@link KafkaBroker} (one KRaft node on loopback), in a JVM of its own with this
 * module's test classpath: for tests whose own classpath holds another kafka-clients line than
 * the broker's. Spark 4.0's Kafka source needs kafka-clients 3.x, while the 4.1 broker needs
 * 4.1 on its classpath; over the wire they agree. The child stops when {@link #close()} closes
 * its standard input, and also when the test JVM dies.
 *
 * <p>The child's classpath is written at build time next to this class ({@code
 * broker-classpath.txt}, by the dependency plugin in this module's pom).
 */
public final class KafkaBrokerProcess implements TestBroker {
  static final String READY = "READY ";
  private static final String CLASSPATH = "broker-classpath.txt";

  private final Process process;
  private final String bootstrapServers;
  private final Path log;

  private KafkaBrokerProcess(Process process, String bootstrapServers, Path log) {
    this.process = process;
    this.bootstrapServers = bootstrapServers;
    this.log = log;
  }

  /**
   * Starts the child JVM and waits until its broker serves (at most two minutes).
   *
   * @return the running broker
   * @throws Exception when the broker does not start; the message holds the end of its log
   */
  public static KafkaBrokerProcess start() throws Exception {
    String classpath = ownLocation() + File.pathSeparator + dependencies();
    Path log = Files.createTempFile("kafka-broker", ".log");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process = new ProcessBuilder(
            java.toString(), "-Xmx512m", "-cp", classpath, KafkaBroker.class.getName())
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
      try {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          if (line.startsWith(READY)) {
            return line.substring(READY.length()).trim();
          }
        }
        return null;
      } catch (IOException e) {
        return null;
      }
    });
    String servers;
    try {
      servers = ready.get(2, TimeUnit.MINUTES);
    } catch (Exception e) {
      servers = null;
    }
    if (servers == null) {
      process.destroyForcibly();
      throw new IllegalStateException("the Kafka broker JVM did not start; its log ends with:\n"
          + tail(log));
    }
    return new KafkaBrokerProcess(process, servers, log);
  }

  /**
   * The bootstrap address of the broker on loopback.
   *
   * @return host:port
   */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * Creates a topic and waits until every partition has a leader.
   *
   * @param name the topic name
   * @param partitions the number of partitions
   * @throws Exception when the topic cannot be created
   */
  public void createTopic(String name, int partitions) throws Exception {
    BrokerClients.createTopic(bootstrapServers, name, partitions);
  }

  /**
   * A producer of raw bytes (see {@link KafkaBroker#producer()}).
   *
   * @return a new producer; close it
   */
  public KafkaProducer<byte[], byte[]> producer() {
    return BrokerClients.producer(bootstrapServers);
  }

  /**
   * Consumer settings for a group on this broker, reading from the earliest offset.
   *
   * @param group the consumer group id
   * @return the settings
   */
  public Map<String, Object> consumerConfig(String group) {
    return BrokerClients.consumerConfig(bootstrapServers, group);
  }

  /** Closes the child's input, which stops its broker, and waits for it to exit. */
  @Override
  public void close() throws Exception {
    process.getOutputStream().close();
    if (!process.waitFor(1, TimeUnit.MINUTES)) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    Files.deleteIfExists(log);
  }

  private static String ownLocation() throws URISyntaxException {
    return Path.of(KafkaBrokerProcess.class.getProtectionDomain().getCodeSource().getLocation()
        .toURI()).toString();
  }

  private static String dependencies() throws IOException {
    try (InputStream in = KafkaBrokerProcess.class.getResourceAsStream(CLASSPATH)) {
      if (in == null) {
        throw new IllegalStateException(CLASSPATH + " is missing: build solstice-kafka's tests"
            + " with Maven, which writes it");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }
}
