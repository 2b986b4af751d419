package io.solstice.examples.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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

  @Test
  void withoutAWorkDirectoryTheShardsGoWhenTheRunEnds() throws IOException {
    CommandLine command = new CommandLine(new SparkDigitsCommand());
    command.setOut(new PrintWriter(new StringWriter()));

    List<Path> before = shardDirectories();
    int status = command.execute("--rounds", "1", "--steps-per-round", "2");

    assertThat(status).isZero();
    assertThat(shardDirectories()).isEqualTo(before);
  }

  @Test
  void aWorkDirectoryThatCannotBeMadeIsOneLineAndExit2(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("a-file"), "");
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new SparkDigitsCommand());
    command.setErr(new PrintWriter(err));

    int status = command.execute("--work-dir", file.toString());

    assertThat(status).isEqualTo(2);
    assertThat(err.toString().strip())
        .isEqualTo("spark-digits: cannot write the shards in " + file + ": " + file + " exists and is not a directory");
  }

  private static List<Path> shardDirectories() throws IOException {
    try (Stream<Path> temp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return temp.filter(p -> p.getFileName().toString().startsWith("solstice-spark-digits")).sorted().toList();
    }
  }

  @Test
  void countsOutOfRangeAreUsageErrorsBeforeAnythingIsWritten(@TempDir Path dir) {
    String[][] cases = {{"--partitions", "0", "1"}, {"--rounds", "-1", "0"}, {"--steps-per-round", "0", "1"}};
    for (String[] bad : cases) {
      StringWriter err = new StringWriter();
      CommandLine command = new CommandLine(new SparkDigitsCommand());
      command.setErr(new PrintWriter(err));

      int status = command.execute(bad[0], bad[1], "--work-dir", dir.resolve("shards").toString());

      assertThat(status).as(err.toString()).isEqualTo(2);
      assertThat(err.toString().strip())
          .isEqualTo("spark-digits: " + bad[0] + " must be at least " + bad[2] + ", got " + bad[1]);
      assertThat(dir.resolve("shards")).doesNotExist();
    }
  }

  @Test
  void aClusterMasterWithoutTheApplicationJarIsAUsageError(@TempDir Path dir) {
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new SparkDigitsCommand());
    command.setErr(new PrintWriter(err));
    Path missing = dir.resolve("missing-app.jar");

    int status = command.execute("--master", "spark://127.0.0.1:7077",
        "--app-jar", missing.toString(), "--work-dir", dir.resolve("shards").toString());

    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).contains("spark-digits: --master spark://127.0.0.1:7077",
        missing + " does not exist", "mvn -B -Pspark-app");
  }

  @Test
  void aSubmittedMasterWinsOverTheMasterOption(@TempDir Path dir) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new SparkDigitsCommand());
    command.setOut(new PrintWriter(out));
    command.setErr(new PrintWriter(err));
    // What spark-submit does before it calls the application's main method.
    System.setProperty("spark.master", "local[1]");
    try {
      int status = command.execute("--master", "spark://127.0.0.1:1", "--rounds", "1",
          "--steps-per-round", "1", "--work-dir", dir.resolve("shards").toString());

      assertThat(status).as(err.toString()).isEqualTo(0);
      assertThat(err.toString())
          .contains("the submitted master local[1] wins over --master spark://127.0.0.1:1");
      assertThat(out.toString()).contains("round 0 train", "test accuracy");
    } finally {
      System.clearProperty("spark.master");
    }
  }
}
