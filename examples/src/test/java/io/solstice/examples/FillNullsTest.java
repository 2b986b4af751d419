package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.examples.job.ModelRecord;
import io.solstice.examples.job.TrainedModel;
import io.solstice.onnx.OnnxExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table with empty cells: {@code train} refuses it and says where the nulls are, or fills them
 * with {@code --fill-nulls}; {@code predict} fills a new table's nulls with the run's values, and
 * the ONNX export fills a NaN input with them too.
 */
class FillNullsTest {
  @TempDir Path dir;

  /** Empty cells: x1 in data rows 4, 11 and 51 (from 1), x3 in row 8. */
  private static final int[][] BLANKS = {{3, 1}, {10, 1}, {50, 1}, {7, 3}};

  private Path table;

  @BeforeEach
  void writeTableWithEmptyCells() throws Exception {
    Path full;
    try (BufferAllocator allocator = new RootAllocator()) {
      full = new Tables(allocator).csv(dir.resolve("full.csv"));
    }
    List<String> lines = new ArrayList<>(Files.readAllLines(full));
    for (int[] blank : BLANKS) {
      String[] cells = lines.get(blank[0] + 1).split(",", -1);
      cells[blank[1]] = "";
      lines.set(blank[0] + 1, String.join(",", cells));
    }
    table = Files.write(dir.resolve("gaps.csv"), lines);
  }

  @Test
  void aTableWithNullsIsRefusedWithWhereTheyAreAndHowToFillThem() throws Exception {
    Cli train = Cli.run("train", "--data", table.toString(), "--label", "species", "--epochs", "2",
        "--work-dir", dir.resolve("refused").toString());

    assertThat(train.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(train.errLines()).containsExactly("solstice train: " + table + " has missing feature values (null or NaN): "
        + "'x1' in 3 rows (the first is row 4), 'x3' in 1 row (the first is row 8); fill them with --fill-nulls mean "
        + "(each feature's train mean) or --fill-nulls VALUE, or remove those rows");

    Path full = dir.resolve("full.csv");
    Path work = dir.resolve("no-nulls");
    assertThat(Cli.run("train", "--data", full.toString(), "--label", "species", "--epochs", "2",
        "--work-dir", work.toString()).exitCode()).isZero();
    Cli predict = Cli.run("predict", "--run", work.toString(), "--data", table.toString(), "--out",
        dir.resolve("p.arrow").toString());
    assertThat(predict.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(predict.errLines()).containsExactly("solstice predict: " + table + " has a missing value (null or NaN) "
        + "in feature column 'x1' (row 4), and the run refused missing values when it trained: fill them in the data, "
        + "or train again with --fill-nulls mean or --fill-nulls VALUE");

    Cli bad = Cli.run("train", "--data", table.toString(), "--label", "species", "--fill-nulls", "median");
    assertThat(bad.errLines()).containsExactly(
        "solstice train: --fill-nulls must be none, mean or a finite number, got median");
  }

  @Test
  void predictAndTheOnnxModelFillNullsWithTheRunsTrainMeans() throws Exception {
    Path work = dir.resolve("run");
    Cli train = Cli.run("train", "--data", table.toString(), "--label", "species", "--epochs", "5",
        "--fill-nulls", "mean", "--work-dir", work.toString());
    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("Missing features (null or NaN) filled with each feature's train mean (rows with missing values: x1: 3, x3: 1)");
    ModelRecord record = TrainedModel.load(work).record();
    double[] fill = record.fillNulls();
    assertThat(fill).hasSize(4);

    // The same table with the run's fill values written into its empty cells.
    List<String> lines = new ArrayList<>(Files.readAllLines(table));
    for (int[] blank : BLANKS) {
      String[] cells = lines.get(blank[0] + 1).split(",", -1);
      cells[blank[1]] = Double.toString(fill[blank[1]]);
      lines.set(blank[0] + 1, String.join(",", cells));
    }
    Path filled = Files.write(dir.resolve("filled.csv"), lines);
    Path fromGaps = dir.resolve("gaps.arrow");
    Path fromFilled = dir.resolve("filled.arrow");
    assertThat(Cli.run("predict", "--run", work.toString(), "--data", table.toString(), "--out",
        fromGaps.toString()).exitCode()).isZero();
    assertThat(Cli.run("predict", "--run", work.toString(), "--data", filled.toString(), "--out",
        fromFilled.toString()).exitCode()).isZero();

    float[][] predicted = PredictionOutput.read(fromGaps).probabilities();
    assertThat(predicted).isEqualTo(PredictionOutput.read(fromFilled).probabilities());

    Path onnx = dir.resolve("model.onnx");
    assertThat(Cli.run("export", "--run", work.toString(), "--onnx", onnx.toString()).exitCode()).isZero();
    float[][] features = new float[lines.size() - 1][4];
    List<String> withGaps = Files.readAllLines(table);
    for (int r = 0; r < features.length; r++) {
      String[] cells = withGaps.get(r + 1).split(",", -1);
      for (int c = 0; c < 4; c++) {
        features[r][c] = cells[c].isEmpty() ? Float.NaN : (float) Double.parseDouble(cells[c]);
      }
    }
    float[][] onnxProbabilities = OnnxRun.of(onnx, features).floats(OnnxExport.PROBABILITIES);
    double max = 0;
    for (int[] blank : BLANKS) {
      for (int k = 0; k < predicted[blank[0]].length; k++) {
        max = Math.max(max, Math.abs(predicted[blank[0]][k] - onnxProbabilities[blank[0]][k]));
      }
    }
    System.out.printf("ONNX Runtime vs solstice predict on the rows with nulls: max |difference| %.3g%n", max);
    assertThat(max).isLessThanOrEqualTo(1e-5);
  }
}
