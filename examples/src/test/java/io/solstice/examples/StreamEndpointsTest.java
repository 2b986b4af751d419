package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.FlightBatchServer;
import io.solstice.arrow.LabeledSchema;
import io.solstice.examples.observe.Observers;
import io.solstice.examples.stream.DriftWatch;
import io.solstice.examples.stream.KafkaTopic;
import io.solstice.examples.stream.OnlineRun;
import io.solstice.examples.stream.StreamContract;
import io.solstice.examples.stream.StreamLearner;
import io.solstice.kafka.testing.KafkaBrokerProcess;
import io.solstice.kafka.testing.Producing;
import io.solstice.online.linear.OnlineLogisticRegression;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * {@code solstice stream} on a user's endpoints: a Kafka topic on a real in-process broker and a
 * Flight server on loopback, each holding rows the test made; the summary's rows and accuracy
 * are those of the online logistic regression learning those rows in order, computed here.
 */
class StreamEndpointsTest {
  private static final Pattern ROWS = Pattern.compile("(?m)^  rows\\s+(\\d+)$");
  private static final Pattern ACCURACY = Pattern.compile("(?m)^  prequential accuracy\\s+([0-9.]+) cumulative");

  // In a JVM of its own: this module's classpath has Spark's kafka-clients line (for spark-stream),
  // not the broker's.
  private static KafkaBrokerProcess broker;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBrokerProcess.start();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (broker != null) {
      broker.close();
    }
  }

  /** Rows of a noisy linear concept: 3 features in [0, 10], class 1 when x0 + x1 > 8, 10% flipped. */
  private static List<float[]> rows(int n, long seed) {
    Random random = new Random(seed);
    List<float[]> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] row = new float[4];
      for (int j = 0; j < 3; j++) {
        row[j] = (float) (random.nextDouble() * 10);
      }
      int label = row[0] + row[1] > 8 ? 1 : 0;
      row[3] = random.nextDouble() < 0.1 ? 1 - label : label;
      rows.add(row);
    }
    return rows;
  }

  /**
   * The prequential accuracy the engine measures for the command's logistic regression learning
   * the rows in order, in batches of {@code batchRows}: each row of a batch is predicted by the
   * model as it was before the batch, then the batch is learned row by row.
   */
  private static String expectedAccuracy(List<float[]> rows, int batchRows) {
    OnlineLogisticRegression model = new OnlineLogisticRegression(3, 2, StreamLearner.logisticOptions());
    long right = 0;
    for (int start = 0; start < rows.size(); start += batchRows) {
      List<float[]> batch = rows.subList(start, Math.min(rows.size(), start + batchRows));
      for (float[] row : batch) {
        right += model.predict(features(row)) == (int) row[3] ? 1 : 0;
      }
      for (float[] row : batch) {
        model.learn(features(row), (int) row[3]);
      }
    }
    return String.format(Locale.ROOT, "%.4f", (double) right / rows.size());
  }

  private static float[] features(float[] row) {
    return new float[] {row[0], row[1], row[2]};
  }

  private static void assertSummary(Cli run, List<float[]> rows, int batchRows) {
    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    Matcher trained = ROWS.matcher(run.out());
    Matcher accuracy = ACCURACY.matcher(run.out());
    assertThat(trained.find()).as(run.out()).isTrue();
    assertThat(accuracy.find()).as(run.out()).isTrue();
    assertThat(Long.parseLong(trained.group(1))).isEqualTo(rows.size());
    assertThat(accuracy.group(1)).isEqualTo(expectedAccuracy(rows, batchRows));
  }

  @Test
  void streamKafkaTrainsOnEveryJsonRowOfTheTopicInOrder() throws Exception {
    List<float[]> rows = rows(2_000, 1);
    broker.createTopic("rows", 1);
    List<byte[]> values = new ArrayList<>();
    for (float[] row : rows) {
      values.add(String.format(Locale.ROOT, "{\"x0\": %s, \"x1\": %s, \"x2\": %s, \"y\": %d, \"note\": \"ignored\"}",
          row[0], row[1], row[2], (int) row[3]).getBytes(StandardCharsets.UTF_8));
    }
    Producing.send(broker, "rows", 1, values);

    Cli run = Cli.run("stream", "--kafka", broker.bootstrapServers(), "--topic", "rows", "--format", "json",
        "--feature-columns", "x0,x1,x2", "--label", "y", "--model", "logistic", "--steps", "1000000",
        // Rows are gathered into batches as they come; batches of one row make the batches, and so
        // the prequential accuracy, independent of when the records arrive.
        "--batch-size", "1", "--stop-when-idle", "2", "--print-every", "500", "--window", "100",
        "--detector", "adwin");

    assertSummary(run, rows, 1);
    assertThat(run.out()).contains("Reading Kafka topic 'rows' at " + broker.bootstrapServers())
        .contains("(the stream ended)").containsPattern("drifts detected\\s+\\d+ by adwin");
    // JSON rows are copied into the training layout: the copies still acknowledge the records.
    await().atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(committed("rows")).as("committed offset").isEqualTo(2_000));
  }

  @Test
  void streamKafkaTrainsOnArrowBatchRecordsInTheLabeledLayout() throws Exception {
    List<float[]> rows = rows(1_000, 3);
    broker.createTopic("batches", 1);
    List<byte[]> values = new ArrayList<>();
    try (BufferAllocator allocator = new RootAllocator()) {
      for (int start = 0; start < rows.size(); start += 50) {
        values.add(arrowIpc(rows.subList(start, start + 50), allocator));
      }
    }
    Producing.send(broker, "batches", 1, values);

    Cli run = Cli.run("stream", "--kafka", broker.bootstrapServers(), "--topic", "batches", "--format", "arrow",
        "--features", "3", "--model", "logistic", "--steps", "1000000", "--stop-when-idle", "2",
        "--print-every", "5");

    assertSummary(run, rows, 50);
    assertThat(run.out()).contains("(arrow records, consumer group 'solstice-stream')")
        .contains("Done after 20 steps (the stream ended)");
    await().atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(committed("batches")).as("committed offset").isEqualTo(20));
  }

  /** The offset the stream command's default group committed on partition 0 of a topic. */
  private static long committed(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      OffsetAndMetadata offset = admin.listConsumerGroupOffsets("solstice-stream")
          .partitionsToOffsetAndMetadata().get().get(new TopicPartition(topic, 0));
      return offset == null ? -1 : offset.offset();
    }
  }

  /** One record: an Arrow IPC stream of one batch, a features list column and an Int32 label. */
  private static byte[] arrowIpc(List<float[]> rows, BufferAllocator allocator) throws IOException {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(LabeledSchema.of(3), allocator)) {
      root.allocateNew();
      FixedSizeListVector list = (FixedSizeListVector) root.getVector(LabeledSchema.FEATURES);
      Float4Vector features = (Float4Vector) list.getDataVector();
      IntVector labels = (IntVector) root.getVector(LabeledSchema.LABEL);
      for (int r = 0; r < rows.size(); r++) {
        list.setNotNull(r);
        for (int j = 0; j < 3; j++) {
          features.setSafe(r * 3 + j, rows.get(r)[j]);
        }
        labels.setSafe(r, (int) rows.get(r)[3]);
      }
      features.setValueCount(rows.size() * 3);
      root.setRowCount(rows.size());
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(bytes))) {
        writer.start();
        writer.writeBatch();
        writer.end();
      }
      return bytes.toByteArray();
    }
  }

  @Test
  void cancellingARunOnAKafkaTopicReleasesTheConsumerAndAllArrowMemory() throws Exception {
    List<float[]> rows = rows(500, 4);
    broker.createTopic("endless", 1);
    List<byte[]> values = new ArrayList<>();
    for (float[] row : rows) {
      values.add(String.format(Locale.ROOT, "{\"a\": %s, \"b\": %s, \"y\": %d}", row[0], row[1], (int) row[3])
          .getBytes(StandardCharsets.UTF_8));
    }
    Producing.send(broker, "endless", 1, values);
    StreamContract contract = new StreamContract(List.of("a", "b"), "y", 2, 2);
    // A progress line every step: one of them reports the 500th row, however the rows were batched.
    OnlineRun.Settings settings = new OnlineRun.Settings(1_000_000, 2, 10, -1, 1, 10, 1);
    // No --stop-when-idle: the run waits for more records until it is cancelled.
    OnlineRun run = new OnlineRun(settings, new OnlineRun.Setup(
        () -> new KafkaTopic(broker.bootstrapServers(), "endless", KafkaTopic.Format.JSON, contract, "cancel", 10, null,
            Duration.ofSeconds(20)),
        contract, StreamLearner.Kind.LOGISTIC, DriftWatch.NONE), Observers.NONE, null);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    CompletableFuture<OnlineRun.Result> result = CompletableFuture.supplyAsync(() -> run.run(out));
    await().atMost(Duration.ofSeconds(60)).until(() -> bytes.toString(StandardCharsets.UTF_8).contains(" 500 rows"));

    run.cancel(30_000);

    // run() closes its allocator before it returns; a buffer the consumer still held would fail it.
    OnlineRun.Result done = result.get(60, TimeUnit.SECONDS);
    assertThat(done.cancelled()).isTrue();
    assertThat(done.rows()).isEqualTo(500);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).containsPattern("Stopped after \\d+ steps\n");
  }

  @Test
  void aKafkaRecordThatIsNotARowIsAUsageError() throws Exception {
    broker.createTopic("bad-rows", 1);
    Producing.send(broker, "bad-rows", 1, List.of(
        "{\"x0\": 1, \"x1\": 2, \"x2\": 3, \"y\": 1}".getBytes(StandardCharsets.UTF_8),
        "{\"x0\": 1, \"x1\": 2, \"y\": 0}".getBytes(StandardCharsets.UTF_8)));

    Cli run = Cli.run("stream", "--kafka", broker.bootstrapServers(), "--topic", "bad-rows",
        "--feature-columns", "x0,x1,x2", "--label", "y", "--stop-when-idle", "2");

    assertThat(run.exitCode()).as(run.out()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(run.errLines()).singleElement().asString()
        .startsWith("solstice stream: the Kafka record at offset 1 of partition 0 of topic 'bad-rows' is not a row")
        .contains("x2");
  }

  @Test
  void aMissingTopicOrBrokerIsAUsageError() {
    Cli missing = Cli.run("stream", "--kafka", broker.bootstrapServers(), "--topic", "no-such-topic",
        "--feature-columns", "a,b", "--connect-timeout", "20");
    assertThat(missing.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(missing.errLines()).containsExactly(
        "solstice stream: Kafka at " + broker.bootstrapServers() + " has no topic 'no-such-topic'");

    // Nothing listens on port 1 of loopback.
    Cli unreachable = Cli.run("stream", "--kafka", "127.0.0.1:1", "--topic", "rows", "--feature-columns", "a,b",
        "--connect-timeout", "1");
    assertThat(unreachable.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(unreachable.errLines()).contains(
        "solstice stream: cannot reach Kafka at 127.0.0.1:1 within 1.0 s (--connect-timeout)");

    Cli noColumns = Cli.run("stream", "--kafka", broker.bootstrapServers(), "--topic", "rows");
    assertThat(noColumns.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(noColumns.errLines()).containsExactly(
        "solstice stream: --format json needs --feature-columns: the JSON fields that hold the features");
  }

  /** Batches of the rows as columns x0, x1, x2 (Float64) and y (Int64), as a user's server might hold them. */
  private static Flux<ArrowBatch> columns(List<float[]> rows, int perBatch, BufferAllocator allocator) {
    Schema schema = new Schema(List.of(
        Field.notNullable("x0", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
        Field.notNullable("x1", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
        Field.notNullable("x2", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
        Field.notNullable("y", new ArrowType.Int(64, true)),
        Field.notNullable("weight", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE))));
    return Flux.range(0, rows.size() / perBatch).map(b -> {
      VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
      root.allocateNew();
      for (int r = 0; r < perBatch; r++) {
        float[] row = rows.get(b * perBatch + r);
        for (int j = 0; j < 3; j++) {
          ((Float8Vector) root.getVector("x" + j)).setSafe(r, row[j]);
        }
        ((BigIntVector) root.getVector("y")).setSafe(r, (long) row[3]);
        ((Float4Vector) root.getVector("weight")).setSafe(r, 1f);
      }
      root.setRowCount(perBatch);
      return new ArrowBatch(root, Map.of(), new BatchPosition("test", 0, b), null);
    });
  }

  @Test
  void streamFlightTrainsOnEveryRowAUserServerServesWithItsToken() {
    List<float[]> rows = rows(2_000, 2);
    try (BufferAllocator allocator = new RootAllocator();
        FlightBatchServer server = FlightBatchServer.builder(allocator, ticket -> {
          if (!new String(ticket.getBytes(), StandardCharsets.UTF_8).equals("sensor-rows")) {
            throw new IllegalArgumentException("unknown ticket");
          }
          return columns(rows, 50, allocator);
        }).requireToken("s3cret").start()) {
      String uri = server.location().getUri().toString();

      Cli run = Cli.run("stream", "--flight", uri, "--ticket", "sensor-rows", "--token", "s3cret",
          "--feature-columns", "x0,x1,x2", "--label", "y", "--model", "logistic", "--print-every", "10");
      assertSummary(run, rows, 50);
      assertThat(run.out()).contains("Reading the Flight stream of ticket 'sensor-rows' at " + uri)
          .contains("Done after 40 steps (the stream ended)");

      assertThat(Cli.run("stream", "--flight", uri, "--ticket", "sensor-rows", "--token", "wrong",
          "--feature-columns", "x0,x1,x2", "--label", "y").errLines()).singleElement().asString()
          .startsWith("solstice stream: the Flight endpoint " + uri + " refused the call: wrong token (--token)");
      assertThat(Cli.run("stream", "--flight", uri, "--ticket", "sensor-rows",
          "--feature-columns", "x0,x1,x2", "--label", "y").errLines()).singleElement().asString()
          .startsWith("solstice stream: the Flight endpoint " + uri + " refused the call: it needs a token (--token)");
      assertThat(Cli.run("stream", "--flight", uri, "--ticket", "other", "--token", "s3cret",
          "--feature-columns", "x0,x1,x2", "--label", "y").errLines()).singleElement().asString()
          .startsWith("solstice stream: the Flight endpoint " + uri + " has no stream for ticket 'other'");

      Cli missing = Cli.run("stream", "--flight", uri, "--ticket", "sensor-rows", "--token", "s3cret",
          "--feature-columns", "x0,x1,x2", "--label", "label");
      assertThat(missing.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
      assertThat(missing.errLines()).singleElement().asString()
          .startsWith("solstice stream: column 'label': the stream has no such column; its columns are [x0 ");

      Cli floatLabel = Cli.run("stream", "--flight", uri, "--ticket", "sensor-rows", "--token", "s3cret",
          "--feature-columns", "x0,x1", "--label", "x2");
      assertThat(floatLabel.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
      assertThat(floatLabel.errLines()).singleElement().asString()
          .startsWith("solstice stream: column 'x2': the label must hold integer classes, was FloatingPoint(DOUBLE)");

      Cli width = Cli.run("stream", "--flight", uri, "--ticket", "sensor-rows", "--token", "s3cret",
          "--feature-columns", "x0", "--features", "3", "--label", "y");
      assertThat(width.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
      assertThat(width.errLines()).containsExactly(
          "solstice stream: column 'x0': holds one feature per row, not 3 (--features 3)");
    }
  }

  @Test
  void anUnreachableFlightEndpointIsAUsageError() {
    String uri;
    try (BufferAllocator allocator = new RootAllocator();
        FlightBatchServer server = FlightBatchServer.builder(allocator, ticket -> Flux.empty()).start()) {
      uri = server.location().getUri().toString();
    }
    // The server has closed: nothing listens on its port any more.
    Cli run = Cli.run("stream", "--flight", uri, "--ticket", "t", "--feature-columns", "a,b");
    assertThat(run.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(run.errLines()).singleElement().asString()
        .startsWith("solstice stream: cannot reach the Flight endpoint " + uri);

    Cli notFlight = Cli.run("stream", "--flight", "http://example.org/", "--ticket", "t");
    assertThat(notFlight.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(notFlight.errLines()).containsExactly("solstice stream: --flight: http://example.org/ is not a Flight "
        + "location (grpc+tcp://HOST:PORT or grpc+tls://HOST:PORT)");
  }
}
