package io.solstice.examples.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.kafka.testing.KafkaBrokerProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The spark-stream command end to end on local[2] (Spark and its Kafka source are on the test
 * classpath) against a real Kafka broker: the test broker of solstice-kafka, in its own JVM.
 */
class SparkStreamCommandTest {
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

  @Test
  void trainsTheProducedRowsAndContinuesAfterTheLastAppliedMicroBatch(@TempDir Path dir) {
    String[] common = {"--bootstrap-servers", broker.bootstrapServers(), "--topic", "sea",
        "--max-offsets-per-trigger", "500", "--steps-per-round", "5",
        "--checkpoints", dir.toString()};

    String first = run(common, "--produce", "2000", "--records", "2000");
    assertThat(first).contains("wrote 2000 rows", "continuing after micro-batch -1");
    Map<Long, Long> firstBatches = microBatches(first);
    assertThat(firstBatches.values()).as("rows per micro-batch").allMatch(rows -> rows <= 500);
    assertThat(firstBatches.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2000);
    assertThat(trained(first)).isEqualTo(2000);

    // A second run on the same checkpoints trains only what was written since.
    long last = Collections.max(firstBatches.keySet());
    String second = run(common, "--produce", "1000", "--records", "1000");
    assertThat(second).contains("continuing after micro-batch " + last);
    Map<Long, Long> secondBatches = microBatches(second);
    assertThat(secondBatches.keySet()).allMatch(id -> id > last);
    assertThat(secondBatches.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1000);
    assertThat(trained(second)).isEqualTo(1000);
  }

  @Test
  void aCheckpointDirectoryThatCannotBeMadeIsOneLineAndStatusTwo(@TempDir Path dir)
      throws Exception {
    Path file = Files.writeString(dir.resolve("taken"), "not a directory");
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new SparkStreamCommand());
    command.setErr(new PrintWriter(err));
    int status = command.execute("--bootstrap-servers", broker.bootstrapServers(),
        "--checkpoints", file.resolve("checkpoints").toString());
    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).startsWith("spark-stream: cannot create the checkpoint"
        + " directory " + file.resolve("checkpoints") + ": ").hasLineCount(1);
  }

  /** Rows per micro-batch id, from the command's lines. */
  private static Map<Long, Long> microBatches(String out) {
    Map<Long, Long> rows = new TreeMap<>();
    Matcher m = Pattern.compile("micro-batch (\\d+): (\\d+) rows").matcher(out);
    while (m.find()) {
      rows.put(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    }
    assertThat(rows).as(out).isNotEmpty();
    return rows;
  }

  private static String run(String[] common, String... more) {
    StringWriter out = new StringWriter();
    CommandLine command = new CommandLine(new SparkStreamCommand());
    command.setOut(new PrintWriter(out));
    String[] args = new String[common.length + more.length];
    System.arraycopy(common, 0, args, 0, common.length);
    System.arraycopy(more, 0, args, common.length, more.length);
    int status = command.execute(args);
    assertThat(status).as(out.toString()).isEqualTo(0);
    return out.toString();
  }

  /** The rows the final throughput line counts. */
  private static long trained(String out) {
    Matcher m = Pattern.compile("K=5: \\d+ micro-batches, \\d+ rounds, (\\d+) rows").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return Long.parseLong(m.group(1));
  }
}
