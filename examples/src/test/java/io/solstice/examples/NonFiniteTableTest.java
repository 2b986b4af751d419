package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.examples.job.TrainedModel;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values a model cannot take, in a user's table: NaN is a missing value (how pandas writes one),
 * refused or filled like a null; an infinity is refused by {@code train} and {@code predict},
 * naming its row; an empty label cell is a missing label; and a run whose loss diverges ends with
 * one line that names the option to change, not a stack trace.
 */
class NonFiniteTableTest {
  @TempDir Path dir;

  private List<String> csv;

  @BeforeEach
  void writeTable() throws Exception {
    try (BufferAllocator allocator = new RootAllocator()) {
      csv = Files.readAllLines(new Tables(allocator).csv(dir.resolve("full.csv")));
    }
  }

  @Test
  void nanInAnArrowTableIsAMissingValueThatTrainRefusesOrFillsAndPredictFillsLikeTheRunsMean() throws Exception {
    Path withNaN = ipc("nan.arrow", new int[][] {{4, 1}, {20, 1}}, Double.NaN);

    Cli refused = train(withNaN, "refused");
    assertThat(refused.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(refused.errLines()).containsExactly("solstice train: " + withNaN + " has missing feature values (null or "
        + "NaN): 'x1' in 2 rows (the first is row 5); fill them with --fill-nulls mean (each feature's train mean) or "
        + "--fill-nulls VALUE, or remove those rows");

    Path work = dir.resolve("filled");
    Cli filled = train(withNaN, "filled", "--fill-nulls", "mean");
    assertThat(filled.exitCode()).as(filled.err()).isZero();
    assertThat(filled.out()).contains("Missing features (null or NaN) filled with each feature's train mean (rows with "
        + "missing values: x1: 2)");
    double mean = TrainedModel.load(work).record().fillNulls()[1];
    assertThat(mean).as("a NaN is left out of the mean, not taken as a value").isFinite();

    // The rows with NaN are predicted as the same rows holding the run's mean.
    Path withMean = ipc("mean.arrow", new int[][] {{4, 1}, {20, 1}}, mean);
    Path fromNaN = dir.resolve("from-nan.arrow");
    Path fromMean = dir.resolve("from-mean.arrow");
    assertThat(predict(work, withNaN, fromNaN).exitCode()).isZero();
    assertThat(predict(work, withMean, fromMean).exitCode()).isZero();
    float[][] probabilities = PredictionOutput.read(fromNaN).probabilities();
    for (float p : probabilities[4]) {
      assertThat(p).isFinite();
    }
    assertThat(probabilities).isEqualTo(PredictionOutput.read(fromMean).probabilities());

    Path unfilled = dir.resolve("unfilled");
    assertThat(train(ipc("clean.arrow", new int[0][], 0), "unfilled").exitCode()).isZero();
    Cli predictRefused = predict(unfilled, withNaN, dir.resolve("p.arrow"));
    assertThat(predictRefused.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(predictRefused.errLines()).containsExactly("solstice predict: " + withNaN + " has a missing value "
        + "(null or NaN) in feature column 'x1' (row 5), and the run refused missing values when it trained: fill "
        + "them in the data, or train again with --fill-nulls mean or --fill-nulls VALUE");
  }

  @Test
  void anInfinityIsRefusedByTrainEvenWithFillingAndByPredictNamingItsRow() throws Exception {
    Path withInfinity = ipc("inf.arrow", new int[][] {{6, 2}, {30, 0}}, Double.NEGATIVE_INFINITY);
    for (String fill : List.of("none", "mean")) {
      Cli train = train(withInfinity, "inf-" + fill, "--fill-nulls", fill);
      assertThat(train.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
      assertThat(train.errLines()).containsExactly("solstice train: " + withInfinity + " has infinite feature "
          + "values: 'x0' in 1 row (the first is row 31), 'x2' in 1 row (the first is row 7); replace them with "
          + "finite values or remove those rows");
    }

    // A CSV file's "inf" is an infinity too; before, predict wrote NaN probabilities and class 0.
    Path work = dir.resolve("clean");
    assertThat(train(dir.resolve("full.csv"), "clean", "--fill-nulls", "mean").exitCode()).isZero();
    String[] cells = csv.get(12).split(",", -1);
    cells[1] = "inf";
    List<String> lines = new ArrayList<>(csv);
    lines.set(12, String.join(",", cells));
    Path table = Files.write(dir.resolve("inf.csv"), lines);
    Path out = dir.resolve("p.csv");
    Cli predict = predict(work, table, out);
    assertThat(predict.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(predict.errLines()).containsExactly("solstice predict: " + table + " has an infinite value in feature "
        + "column 'x1' (row 12); replace it with a finite value or remove the row");
    assertThat(out).doesNotExist();
  }

  @Test
  void anEmptyLabelCellIsAMissingLabelNotAClass() throws Exception {
    List<String> lines = new ArrayList<>(csv);
    lines.set(9, lines.get(9).substring(0, lines.get(9).lastIndexOf(',') + 1));
    Path table = Files.write(dir.resolve("empty-label.csv"), lines);

    Cli train = train(table, "empty-label");

    assertThat(train.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(train.errLines()).containsExactly(
        "solstice train: column 'species': row 9 of the table has no label (an empty cell)");
  }

  @Test
  void aNaNOrInfiniteRegressionTargetIsRefusedNamingItsRow() throws Exception {
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
      Path table = ipc("target-" + bad + ".arrow", new int[][] {{14, 0}}, bad);
      Cli train = Cli.run("train", "--data", table.toString(), "--label", "x0", "--task", "regression",
          "--features", "x1,x2,x3", "--epochs", "2", "--work-dir", dir.resolve("regression-" + bad).toString());
      assertThat(train.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
      assertThat(train.errLines()).containsExactly("solstice train: column 'x0': row 15 of the table has "
          + (Double.isNaN(bad) ? "no target (NaN)" : "an infinite target"));
    }
  }

  @Test
  void aDivergedRunEndsWithOneLineThatNamesTheLearningRate() {
    Cli train = train(dir.resolve("full.csv"), "diverged", "--lr", "1e30");

    assertThat(train.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(train.errLines()).hasSize(1);
    assertThat(train.errLines().get(0))
        .matches("solstice train: training diverged: non-finite loss \\(loss = NaN\\) in TRAIN epoch 0 at train "
            + "step \\d+; lower the learning rate \\(--lr\\)");
  }

  private Cli train(Path table, String work, String... more) {
    List<String> args = new ArrayList<>(List.of("train", "--data", table.toString(), "--label", "species",
        "--epochs", "3", "--work-dir", dir.resolve(work).toString()));
    args.addAll(List.of(more));
    return Cli.run(args.toArray(String[]::new));
  }

  private static Cli predict(Path work, Path table, Path out) {
    return Cli.run("predict", "--run", work.toString(), "--data", table.toString(), "--out", out.toString());
  }

  /**
   * The CSV table as an Arrow IPC file with Float64 features (x3 too) and string species, with
   * {@code value} in the given cells: {row from 0, feature column}.
   */
  private Path ipc(String name, int[][] cells, double value) throws IOException {
    ArrowType float64 = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
    Schema schema = new Schema(List.of(Field.nullable("x0", float64), Field.nullable("x1", float64),
        Field.nullable("x2", float64), Field.nullable("x3", float64), Field.nullable("species", ArrowType.Utf8.INSTANCE)));
    Path file = dir.resolve(name);
    int rows = csv.size() - 1;
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        OutputStream out = Files.newOutputStream(file);
        ArrowFileWriter writer = new ArrowFileWriter(root, null, Channels.newChannel(out))) {
      root.allocateNew();
      for (int r = 0; r < rows; r++) {
        String[] row = csv.get(r + 1).split(",", -1);
        for (int c = 0; c < 4; c++) {
          ((Float8Vector) root.getVector(c)).setSafe(r, Double.parseDouble(row[c]));
        }
        ((VarCharVector) root.getVector(4)).setSafe(r, row[4].getBytes(StandardCharsets.UTF_8));
      }
      for (int[] cell : cells) {
        ((Float8Vector) root.getVector(cell[1])).setSafe(cell[0], value);
      }
      root.setRowCount(rows);
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    return file;
  }
}
