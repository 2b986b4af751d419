package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** {@code solstice train} on a user's table in each format, and its answers to bad input. */
class TrainCommandTest {
  @TempDir Path dir;
  private final BufferAllocator allocator = new RootAllocator();
  private final Tables tables = new Tables(allocator);

  @AfterEach
  void closeAllocator() {
    allocator.close();
  }

  @Test
  void trainsOnAnIpcFileWithDictionaryEncodedStringLabelsAndNamesTheClasses() throws IOException {
    Path data = tables.ipcFileWithDictionaryLabels(dir.resolve("flowers.arrow"));

    Cli run = train(data, "species");

    assertThat(run.exitCode()).as(run.err()).isZero();
    // Default features: every numeric column but the label; the string column 'note' is not one.
    assertThat(run.out()).contains("IPC_FILE").contains("features [x0, x1, x2, x3] (4 per row)")
        .contains("classes [virginica, setosa, versicolor]");
    assertThat(run.out()).contains("setosa").contains("versicolor").contains("virginica").contains("macro avg");
    JsonNode report = report();
    // Classes keep the dictionary's order.
    assertThat(report.get("classes").toString()).isEqualTo("[\"virginica\",\"setosa\",\"versicolor\"]");
    assertThat(report.get("test").get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.9);
    assertThat(dir.resolve("work/curves.png")).exists();
    assertThat(dir.resolve("work/metrics.csv")).exists();
    assertThat(dir.resolve("work/checkpoints/job.json")).exists();
  }

  @Test
  void trainsOnAnIpcStreamWithAVectorFeatureColumnAndIntegerLabels() throws IOException {
    Path data = tables.ipcStreamWithVectorFeatures(dir.resolve("flowers.stream"));

    Cli run = train(data, "label");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("IPC_STREAM").contains("features [features] (4 per row)")
        .contains("classes [0, 1, 2]");
    assertThat(report().get("test").get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.9);
  }

  @Test
  void trainsOnAParquetFileWithPlainStringLabelsAndChosenFeatures() throws IOException {
    Path data = tables.parquetWithStringLabels(dir.resolve("flowers.parquet"));

    Cli run = train(data, "species", "--features", "x0,x1,x2,x3", "--model", "mlp:16,8");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("PARQUET").contains("classes [setosa, versicolor, virginica]");
    JsonNode report = report();
    assertThat(report.get("test").get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.9);
    assertThat(report.get("test").get("support_0").asDouble()
        + report.get("test").get("support_1").asDouble() + report.get("test").get("support_2").asDouble())
        .as("the held-out test batches: 20% of 12 batches of 50 rows")
        .isEqualTo(100.0);
  }

  @Test
  void aMissingFileIsOneLineAndExitCode2() {
    assertOneLineError(Cli.run("train", "--data", dir.resolve("nowhere.arrow").toString(), "--label", "y"),
        "no such file");
  }

  @Test
  void aFileThatIsNotArrowIsOneLineAndExitCode2() throws IOException {
    Path csv = Files.writeString(dir.resolve("flowers.csv"), "x0,x1,species\n1.0,2.0,setosa\n3.0,4.0,virginica\n");
    Cli run = Cli.run("train", "--data", csv.toString(), "--label", "species");
    assertOneLineError(run, "as an Arrow IPC file, Arrow IPC stream or Parquet file");
    assertThat(run.err()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void aMissingLabelColumnNamesTheColumnsThereAre() throws IOException {
    Path data = tables.ipcFileWithDictionaryLabels(dir.resolve("flowers.arrow"));
    assertOneLineError(train(data, "kind"),
        "column 'kind': not in the data; the columns are [x0, x1, note, x2, x3, species]");
  }

  @Test
  void aNonNumericFeatureColumnSaysWhatItFound() throws IOException {
    Path data = tables.ipcFileWithDictionaryLabels(dir.resolve("flowers.arrow"));
    assertOneLineError(train(data, "species", "--features", "x0,note"), "column 'note': expected a numeric column");
  }

  @Test
  void aRealValuedLabelIsRefused() throws IOException {
    Path data = tables.ipcFileWithDictionaryLabels(dir.resolve("flowers.arrow"));
    assertOneLineError(train(data, "x0"), "column 'x0': expected integer or string class labels");
  }

  @Test
  void aBadModelOptionIsAUsageError() throws IOException {
    Path data = tables.ipcFileWithDictionaryLabels(dir.resolve("flowers.arrow"));
    assertOneLineError(train(data, "species", "--model", "cnn:3"), "--model must look like mlp:256,128");
  }

  private Cli train(Path data, String label, String... more) {
    String[] base = {"train", "--data", data.toString(), "--label", label, "--epochs", "15", "--batch-size", "50",
        "--lr", "1e-2", "--work-dir", dir.resolve("work").toString(), "--report", dir.resolve("report.json").toString()};
    String[] args = new String[base.length + more.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return Cli.run(args);
  }

  private JsonNode report() throws IOException {
    return new ObjectMapper().readTree(dir.resolve("report.json").toFile());
  }

  private static void assertOneLineError(Cli run, String expected) {
    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(run.errLines()).as(run.err()).hasSize(1);
    assertThat(run.errLines().get(0)).startsWith("solstice train: ").contains(expected);
  }

}
