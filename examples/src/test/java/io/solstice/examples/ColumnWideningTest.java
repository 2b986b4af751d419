package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CSV tables whose columns Arrow's reader types from too few rows: a column of integers with
 * decimals past the first megabyte it infers from, and a directory whose first file leaves a
 * column empty or holds only integers where a later file has decimals. {@code train} and {@code
 * predict} read such a column with the type that holds all its values, saying so; a word among a
 * model's numbers, or a value that a type named in {@code --column-types} cannot hold, is refused
 * naming its row.
 */
class ColumnWideningTest {
  @TempDir Path dir;

  /** Rows of "x,y,label": x an integer up to row {@code integersUpTo}, then {@code later} (with %s for a decimal). */
  private Path table(String name, int rows, int integersUpTo, String later) throws IOException {
    Random random = new Random(3);
    List<String> lines = new ArrayList<>(List.of("x,y,label"));
    for (int r = 0; r < rows; r++) {
      int x = random.nextInt(10);
      double y = random.nextGaussian();
      String xCell = r < integersUpTo ? Integer.toString(x) : String.format(Locale.ROOT, later, x + 0.5);
      lines.add(String.format(Locale.ROOT, "%s,%.3f,%s", xCell, y, x + y > 4.5 ? "high" : "low"));
    }
    return Files.write(dir.resolve(name), lines);
  }

  @Test
  void decimalsPastTheRowsArrowInfersFromAreReadAsFloat64ByTrainAndPredict() throws Exception {
    // About 1.3 MB: Arrow infers x from the first megabyte, integers only.
    Path sales = table("sales.csv", 110_000, 100_000, "%.1f");
    Path work = dir.resolve("run");

    Cli train = Cli.run("train", "--data", sales.toString(), "--label", "label", "--epochs", "1", "--work-dir",
        work.toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("Read 'x' as float64: row 100,002 of sales.csv (counting from its first line) "
        + "holds '").contains("', which int64 (inferred from the file's first rows) cannot hold\n")
        .contains("sales.csv (CSV): 110000 rows; features [x, y] (2 per row)");

    Path out = dir.resolve("predicted.csv");
    Cli predict = Cli.run("predict", "--run", work.toString(), "--data", sales.toString(), "--out", out.toString());
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    assertThat(predict.out()).contains("Read 'x' as float64: row 100,002 of sales.csv").contains("Predicted 110000 rows");
    assertThat(Files.readAllLines(out)).hasSize(110_001);

    // A word among the numbers of a feature: the model reads the column as numbers.
    Path word = table("word.csv", 110_000, 100_000, "many");
    Cli refused = Cli.run("predict", "--run", work.toString(), "--data", word.toString(), "--out",
        dir.resolve("word-predicted.csv").toString());
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.err()).contains("column 'x': row 100,002 of word.csv (counting from its first line) holds "
        + "'many', which int64 (inferred from the file's first rows) cannot hold; the model reads it as numbers");
    assertThat(dir.resolve("word-predicted.csv")).doesNotExist();
  }

  @Test
  void aDirectoryIsReadWithTheTypesThatHoldTheValuesOfAllItsFiles() throws Exception {
    Path parts = Files.createDirectory(dir.resolve("parts"));
    Random random = new Random(5);
    for (int file = 0; file < 3; file++) {
      List<String> lines = new ArrayList<>(List.of("x,channel,label"));
      for (int r = 0; r < 100; r++) {
        double x = random.nextGaussian();
        // The first file has integers and no channel; the later ones decimals, and a channel.
        String xCell = file == 0 ? Long.toString(Math.round(x * 3)) : String.format(Locale.ROOT, "%.3f", x * 3);
        String channel = file == 0 ? "" : r % 2 == 0 ? "web" : "store";
        lines.add(xCell + "," + channel + "," + (x > 0 ? "up" : "down"));
      }
      Files.write(parts.resolve("part-00" + file + ".csv"), lines);
    }
    Path work = dir.resolve("parts-run");

    Cli train = Cli.run("train", "--data", parts.toString(), "--label", "label", "--epochs", "2", "--work-dir",
        work.toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out())
        .contains("Read 'x' as float64: row 2 of part-001.csv (counting from its first line) holds '")
        .contains("', which int64 (the column's type in part-000.csv) cannot hold\n")
        .contains("Read 'channel' as string: part-000.csv leaves it empty in every row, and part-001.csv holds string "
            + "values\n")
        .contains("(CSV): 300 rows; features [x, channel]");
    Path out = dir.resolve("parts-predicted.csv");
    Cli predict = Cli.run("predict", "--run", work.toString(), "--data", parts.toString(), "--out", out.toString());
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    assertThat(predict.out()).contains("Read 'x' as float64").contains("Predicted 300 rows");
  }

  @Test
  void aValueThatTheTypeNamedForItsColumnCannotHoldIsRefused() throws Exception {
    Path small = table("small.csv", 200, 100, "%.1f");

    Cli train = Cli.run("train", "--data", small.toString(), "--label", "label", "--column-types", "x=int64",
        "--work-dir", dir.resolve("typed").toString());

    assertThat(train.exitCode()).isEqualTo(2);
    assertThat(train.err()).contains("column 'x': row 102 of small.csv (counting from its first line) holds '")
        .contains("', which int64 (the type named for it) cannot hold; give it another type in --column-types");
  }
}
