package io.solstice.examples.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The spark-digits command end to end on local[2] (Spark is on the test classpath). */
class SparkDigitsCommandTest {

  @Test
  void trainsOnTwoLocalWorkersAndReportsTheTestAccuracy(@TempDir Path dir) {
    StringWriter out = new StringWriter();
    CommandLine command = new CommandLine(new SparkDigitsCommand());
    command.setOut(new PrintWriter(out));

    int status = command.execute("--rounds", "6", "--steps-per-round", "10",
        "--work-dir", dir.resolve("shards").toString(),
        "--checkpoints", dir.resolve("checkpoints").toString());

    assertThat(status).isEqualTo(0);
    assertThat(out.toString()).contains("starting at round 0", "round 5 train");
    Matcher accuracy = Pattern.compile("test accuracy ([0-9.]+)").matcher(out.toString());
    assertThat(accuracy.find()).as(out.toString()).isTrue();
    assertThat(Double.parseDouble(accuracy.group(1))).isGreaterThan(0.8);
    assertThat(dir.resolve("checkpoints")).isNotEmptyDirectory();
  }
}
