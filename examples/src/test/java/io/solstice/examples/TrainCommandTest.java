package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.solstice.examples.job.TrainingJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    assertThat(run.out()).contains("(Arrow IPC file): 600 rows").contains("features [x0, x1, x2, x3] (4 per row)")
        .contains("classes [virginica, setosa, versicolor]")
        .contains("Features standardized with the train rows' mean and standard deviation");
    assertThat(run.out()).contains("setosa").contains("versicolor").contains("virginica").contains("macro avg");
    JsonNode report = report();
    // Classes keep the dictionary's order.
    assertThat(report.get("classes").toString()).isEqualTo("[\"virginica\",\"setosa\",\"versicolor\"]");
    assertThat(report.get("task").asText()).isEqualTo("classification");
    assertThat(report.get("test").get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.9);
    assertThat(dir.resolve("work/curves.png")).exists();
    assertThat(dir.resolve("work/metrics.csv")).exists();
    assertThat(dir.resolve("work/checkpoints/job.json")).exists();
    // The run record: the split and the standardization, next to the checkpoints and in the report.
    JsonNode record = new ObjectMapper().readTree(dir.resolve("work/checkpoints").resolve(TrainingJob.PREPROCESSING)
        .toFile());
    assertThat(record).isEqualTo(report.get("preprocessing"));
    assertThat(record.get("split").get("method").asText()).isEqualTo("stratified");
    assertThat(record.get("standardization").get("mean")).hasSize(4);
    assertThat(record.get("standardization").get("scale")).hasSize(4);
  }

  @Test
  void trainsOnAnIpcStreamWithAVectorFeatureColumnAndIntegerLabels() throws IOException {
    Path data = tables.ipcStreamWithVectorFeatures(dir.resolve("flowers.stream"));

    Cli run = train(data, "label");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("(Arrow IPC stream)").contains("features [features] (4 per row)")
        .contains("classes [0, 1, 2]");
    assertThat(report().get("test").get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.9);
  }

  @Test
  void trainsOnScikitLearnsDigitsFileAsItShipsGzipCompressedAndWithoutAHeader() throws IOException {
    Path digits = dir.resolve("digits.csv.gz");
    try (var in = getClass().getResourceAsStream("/io/solstice/core/data/digits.csv.gz")) {
      Files.copy(in, digits);
    }

    Cli run = train(digits, "f64", "--epochs", "20");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("digits.csv.gz (CSV, no header, gzip-compressed): 1797 rows; features [f0, f1, f2, f3, f4, f5, f6, f7, f8, "
        + "f9, ... and 54 more] (64 per row); label 'f64' with classes [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]");
    assertThat(report().get("test").get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.95);
    // predict reads the compressed file too, and names its output after digits.csv.gz's stem.
    Cli predict = Cli.run("predict", "--run", dir.resolve("work").toString(), "--data", digits.toString());
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    assertThat(PredictionOutput.read(dir.resolve("digits.predictions.arrow")).rows()).isEqualTo(1797);
  }

  @Test
  void classesThatDifferOnlyInCaseOrSpacesAreWarnedAbout() throws IOException {
    StringBuilder csv = new StringBuilder("x,answer\n");
    String[] answers = {"yes", "no", "Yes", "no "};
    for (int i = 0; i < 80; i++) {
      csv.append(i % 2).append(',').append(answers[i % 4]).append('\n');
    }

    Cli run = train(Files.writeString(dir.resolve("answers.csv"), csv), "answer", "--epochs", "1");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("with classes [Yes, no, no , yes]");
    assertThat(run.err()).contains("warning: classes 'Yes', 'yes' differ only in case or in spaces around them; they "
        + "are separate classes").contains("warning: classes 'no', 'no ' differ only in case");
  }

  @Test
  void aMistypedColumnIsRefusedNamingTheColumnProbablyMeant() throws IOException {
    // A CSV file written with ", " between its fields: the space is no part of its names.
    List<String> lines = Files.readAllLines(tables.csv(dir.resolve("flowers.csv")));
    Path spaced = Files.write(dir.resolve("spaced.csv"), lines.stream().map(line -> line.replace(",", ", ")).toList());
    String header = lines.get(0);
    String label = header.substring(header.lastIndexOf(',') + 1);
    Cli spacedRun = train(spaced, label);
    assertThat(spacedRun.exitCode()).as(spacedRun.err()).isZero();
    assertThat(spacedRun.out()).contains("spaced.csv (CSV, a space after each comma): ");

    String upper = label.toUpperCase(Locale.ROOT);
    Cli run = train(spaced, upper);

    assertThat(run.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(run.err()).contains("column '" + upper + "': not in the data; the columns are [")
        .contains("; did you mean '" + label + "'?");

    // Without its header, the first row names the columns, and says it looks like data.
    Path headless = Files.write(dir.resolve("headless.csv"), lines.subList(1, lines.size()));
    Cli noHeader = train(headless, label);
    assertThat(noHeader.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(noHeader.err()).contains("not in the data (its header looks like a row of data: for a CSV file "
        + "without a header, add --csv-no-header, and the columns are named f0, f1, ...); the columns are [");
  }

  @Test
  void integerLabelsAreClassesByValueAsScikitLearnTakesThem() throws IOException {
    List<String> lines = Files.readAllLines(tables.csv(dir.resolve("flowers.csv")));
    for (List<String> codes : List.of(List.of("1", "2", "3"), List.of("-1", "1", "7"), List.of("1000", "20000",
        "3000000"))) {
      List<String> coded = new ArrayList<>(List.of(lines.get(0)));
      List<String> species = List.of("setosa", "versicolor", "virginica");
      lines.stream().skip(1).forEach(line -> {
        String name = line.substring(line.lastIndexOf(',') + 1);
        coded.add(line.substring(0, line.lastIndexOf(',') + 1) + codes.get(species.indexOf(name)));
      });
      Path data = Files.write(dir.resolve("coded.csv"), coded);

      Cli run = train(data, "species", "--epochs", "3");

      assertThat(run.exitCode()).as(run.err()).isZero();
      // Three classes in numeric order, none empty: no warning about a class without rows.
      assertThat(run.out()).contains("label 'species' with classes " + codes);
      assertThat(run.err()).doesNotContain("warning");
      assertThat(report().get("test").get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.9);
    }

    StringBuilder ids = new StringBuilder("x,id\n");
    for (int r = 0; r < 10_002; r++) {
      ids.append(r % 7).append(',').append(r).append('\n');
    }
    assertOneLineError(train(Files.writeString(dir.resolve("ids.csv"), ids), "id"), "column 'id': holds more than "
        + "10000 distinct integer labels: too many classes for a classifier; to predict a number use --task regression");

    // A price given as a label without --task regression: 300 distinct values in 400 rows.
    StringBuilder prices = new StringBuilder("size,price\n");
    for (int r = 0; r < 400; r++) {
      prices.append(r % 50).append(',').append(100_000 + 250 * (r % 300)).append('\n');
    }
    assertOneLineError(train(Files.writeString(dir.resolve("prices.csv"), prices), "price"), "column 'price': holds "
        + "300 distinct values in 400 rows: too many classes to learn and test, most with a single row; to predict a "
        + "number use --task regression");
  }

  @Test
  void trainsOnAParquetFileWithPlainStringLabelsAndHoldsOutAStratifiedFifthOfEachClass() throws IOException {
    Path data = tables.parquetWithStringLabels(dir.resolve("flowers.parquet"));

    Cli run = train(data, "species", "--features", "x0,x1,x2,x3", "--model", "mlp:16,8");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("(Parquet)").contains("classes [setosa, versicolor, virginica]");
    JsonNode report = report();
    assertThat(report.get("test").get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.9);
    long[] rows = tables.rowsPerClass();
    for (int k = 0; k < 3; k++) {
      assertThat(report.get("test").get("support_" + k).asDouble()).as("class %d", k)
          .isEqualTo(Math.round(rows[k] * 0.2));
    }
  }

  @Test
  void trainsOnACsvFileWithAHeaderAndInferredTypes() throws IOException {
    Path data = tables.csv(dir.resolve("flowers.csv"));

    Cli run = train(data, "species");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("(CSV): 600 rows; features [x0, x1, x2, x3] (4 per row); label 'species' with "
        + "classes [setosa, versicolor, virginica]");
    assertThat(report().get("test").get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.9);
  }

  @Test
  void aSemicolonFileWithDecimalCommasTrainsAsItsCommaTwin() throws IOException {
    Path data = tables.csv(dir.resolve("flowers.csv"));
    train(data, "species", "--epochs", "3");
    JsonNode commas = report().get("test");
    // As a spreadsheet writes it where the comma is the decimal separator.
    List<String> european = Files.readAllLines(data).stream()
        .map(line -> line.replace(',', ';').replace('.', ',')).toList();
    Path semicolons = Files.write(dir.resolve("flowers-de.csv"), european);

    Cli run = train(semicolons, "species", "--epochs", "3");

    assertThat(run.exitCode()).as(run.err()).isZero();
    // The summary says how the file was read.
    assertThat(run.out()).contains("(CSV, semicolons, decimal commas): 600 rows; features [x0, x1, x2, x3] (4 per row)");
    assertThat(report().get("test")).isEqualTo(commas);
  }

  @Test
  void columnsLeftOutOfTheDefaultFeaturesAreNamedWithWhy() throws IOException {
    List<String> lines = Files.readAllLines(tables.csv(dir.resolve("flowers.csv")));
    List<String> noted = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      noted.add(lines.get(i) + (i == 0 ? ",note" : ",seen on day " + i));
    }
    Path data = Files.write(dir.resolve("noted.csv"), noted);

    Cli run = train(data, "species");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("features [x0, x1, x2, x3] (4 per row)")
        .contains("Left out: 'note' (600 distinct values in 600 rows, too many to be categories)");
  }

  @Test
  void aFloatLabelIsAHintToUseRegressionWhichThenReportsR2MaeAndRmse() throws IOException {
    Path data = tables.csv(dir.resolve("flowers.csv"));

    assertOneLineError(train(data, "x0"), "column 'x0': holds floating-point values (FloatingPoint(DOUBLE)), not "
        + "classes; to predict a number use --task regression");

    Cli regression = train(data, "x0", "--task", "regression", "--features", "x1,x2,x3", "--loss", "huber");
    assertThat(regression.exitCode()).as(regression.err()).isZero();
    assertThat(regression.out()).contains("target 'x0'").contains("Split by row (random, seed 42)")
        .contains("Regression report on the held-out test split (120 rows");
    JsonNode report = report();
    assertThat(report.get("task").asText()).isEqualTo("regression");
    assertThat(report.get("loss").asText()).isEqualTo("huber");
    assertThat(report.get("test").has("r2")).isTrue();
    assertThat(report.get("test").get("mae").asDouble()).isPositive();
    assertThat(report.get("test").get("rmse").asDouble()).isGreaterThanOrEqualTo(report.get("test").get("mae")
        .asDouble());
    // x0 is about 3 for setosa and 0 otherwise, which x1..x3 tell apart: most of its variance is explained.
    assertThat(report.get("test").get("r2").asDouble()).isGreaterThan(0.5);
  }

  @Test
  void aMissingFileIsOneLineAndExitCode2() {
    assertOneLineError(Cli.run("train", "--data", dir.resolve("nowhere.arrow").toString(), "--label", "y"),
        "no such file");
  }

  @Test
  void aFileInNoSupportedFormatIsOneLineSayingWhatItLooksLike() throws IOException {
    Path words = Files.writeString(dir.resolve("flowers.txt"), "setosa versicolor\nvirginica\n");
    Cli run = Cli.run("train", "--data", words.toString(), "--label", "species");
    assertOneLineError(run, "is not in a format Solstice reads (Arrow IPC file, Arrow IPC stream, Parquet, CSV or "
        + "JSON lines (newline-delimited JSON)); it looks like text without commas, tabs or semicolons");
    assertThat(run.err()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void aTableTooSmallToSplitIsOneLine() throws IOException {
    Path csv = Files.writeString(dir.resolve("tiny.csv"), "x0,x1,species\n1.0,2.0,setosa\n3.0,4.0,virginica\n");
    assertOneLineError(Cli.run("train", "--data", csv.toString(), "--label", "species", "--work-dir",
        dir.resolve("work").toString()), "has too few rows (2) to give every split at least one");
  }

  @Test
  void aClassWithNoRowsInASplitIsWarnedAbout() throws IOException {
    StringBuilder csv = new StringBuilder("x0,x1,kind\n");
    for (int i = 0; i < 60; i++) {
      csv.append(i).append(',').append(i % 7).append(i < 2 ? ",rare\n" : ",common\n");
    }
    Path data = Files.writeString(dir.resolve("rare.csv"), csv);

    Cli run = train(data, "kind", "--epochs", "2");

    assertThat(run.exitCode()).as(run.err()).isZero();
    // Two rare rows: round(2 * 0.2) = 0 each for validation and test.
    assertThat(run.errLines()).containsExactly(
        "solstice train: warning: class 'rare' has no rows in the validation split (2 in the whole table); its "
            + "metrics there are 0",
        "solstice train: warning: class 'rare' has no rows in the test split (2 in the whole table); its metrics "
            + "there are 0");
  }

  @Test
  void aStreamedTableSplitsTheSameRowsAsAnInMemoryOne() throws IOException {
    Path data = tables.ipcFileWithDictionaryLabels(dir.resolve("flowers.arrow"));

    Cli inMemory = train(data, "species");
    JsonNode first = report();
    Cli streamed = train(data, "species", "--in-memory-limit", "0");
    JsonNode second = report();

    assertThat(inMemory.out()).contains("held in memory, train rows reshuffled every epoch");
    assertThat(streamed.out()).contains("streamed, train rows reshuffled every epoch in 1 read of the table");
    assertThat(second.get("preprocessing").get("split").get("rows"))
        .isEqualTo(first.get("preprocessing").get("split").get("rows"));
    // Fitted on the same train rows, merged in other batches: equal up to rounding.
    for (String field : List.of("mean", "scale")) {
      JsonNode a = first.get("preprocessing").get("standardization").get(field);
      JsonNode b = second.get("preprocessing").get("standardization").get(field);
      for (int i = 0; i < 4; i++) {
        assertThat(b.get(i).asDouble()).as("%s %d", field, i)
            .isCloseTo(a.get(i).asDouble(), org.assertj.core.data.Offset.offset(1e-12 * Math.abs(a.get(i).asDouble())));
      }
    }
    assertThat(second.get("test").get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.9);
  }

  /**
   * 6,000 rows of 4 overlapping classes stored sorted by class, streamed through a 64 KiB
   * in-memory limit: shuffled in windows of 1,000 rows it trains on the very batches it would
   * have held in memory; in stored order (a window of 0) each epoch trains on one class after
   * another, and ends on the last.
   */
  @Test
  void aTableSortedByClassAndLargerThanTheInMemoryLimitTrainsAsWellStreamedAsInMemory() throws IOException {
    Path data = RealisticTables.sortedClasses(5, List.of("alpha", "beta", "gamma", "delta"),
        new int[] {1500, 1500, 1500, 1500}, 0.7).writeIpc(dir.resolve("sorted.arrow"), allocator);
    assertThat(Files.size(data)).isGreaterThan(2 * 64 * 1024);

    Cli inMemory = train(data, "label", "--epochs", "3");
    double inMemoryAccuracy = report().get("test").get("accuracy").asDouble();
    Cli shuffled = train(data, "label", "--epochs", "3", "--in-memory-limit", "64k", "--shuffle-window", "1000");
    JsonNode shuffledReport = report();
    // 64KiB is 64k: the table, twice as large, is streamed.
    Cli stored = train(data, "label", "--epochs", "3", "--in-memory-limit", "64KiB", "--shuffle-window", "0");
    JsonNode storedReport = report();

    double shuffledAccuracy = shuffledReport.get("test").get("accuracy").asDouble();
    double storedAccuracy = storedReport.get("test").get("accuracy").asDouble();
    System.out.printf(java.util.Locale.ROOT, "sorted 4-class table, test accuracy: in memory %.4f, streamed and "
        + "shuffled %.4f, streamed in stored order %.4f%n", inMemoryAccuracy, shuffledAccuracy, storedAccuracy);
    assertThat(inMemory.out()).contains("held in memory, train rows reshuffled every epoch");
    assertThat(shuffled.out()).contains("3600 train").contains("streamed, train rows reshuffled every epoch in 4 "
        + "reads of the table (shuffle window 1000 rows)");
    assertThat(stored.out()).contains("streamed in stored order");
    assertThat(shuffledReport.get("preprocessing").get("split").get("shuffle_window").asLong()).isEqualTo(1000);
    assertThat(storedReport.get("preprocessing").get("split").get("train_order").asText()).isEqualTo("stored order");
    assertThat(inMemoryAccuracy).isGreaterThan(0.85);
    assertThat(shuffledAccuracy).isCloseTo(inMemoryAccuracy, org.assertj.core.data.Offset.offset(0.03));
    assertThat(storedAccuracy).as("stored order").isLessThan(shuffledAccuracy - 0.2);
  }

  @Test
  void aStreamedShuffledRunResumedMidEpochEndsAsTheUninterruptedRunDoes() throws IOException {
    Path data = RealisticTables.sortedClasses(6, List.of("alpha", "beta"), new int[] {400, 400}, 0.8)
        .writeIpc(dir.resolve("sorted.arrow"), allocator);
    List<String> streamed = List.of("--epochs", "3", "--in-memory-limit", "0", "--shuffle-window", "200");

    Cli whole = train(data, "label", streamed.toArray(String[]::new));
    assertThat(whole.exitCode()).as(whole.err()).isZero();
    JsonNode uninterrupted = report().get("test");
    // 480 train rows in batches of 50: 10 steps per epoch; 14 stops inside the second epoch.
    List<String> interrupted = new java.util.ArrayList<>(streamed);
    interrupted.addAll(List.of("--max-steps", "14"));
    assertThat(train(data, "label", interrupted.toArray(String[]::new)).exitCode()).isZero();
    Cli resumed = Cli.run("resume", "--work-dir", dir.resolve("work").toString(), "--report",
        dir.resolve("report.json").toString());

    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.out()).contains("epoch 1, 4 batches into it, train step 14");
    assertThat(report().get("test")).isEqualTo(uninterrupted);
  }

  @Test
  void aReportThatCannotBeWrittenIsOneLineAndLeavesNoPartialFile() throws IOException {
    Path data = tables.ipcFileWithDictionaryLabels(dir.resolve("flowers.arrow"));
    Path reports = Files.createDirectories(dir.resolve("reports"));

    Cli run = Cli.run(FullDisk.fillingUpOn("report.json", 100), "train", "--data", data.toString(), "--label",
        "species", "--epochs", "2", "--work-dir", dir.resolve("work").toString(), "--report",
        reports.resolve("report.json").toString());

    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(run.errLines()).containsExactly("solstice train: cannot write " + reports.resolve("report.json")
        + ": No space left on device");
    try (var files = FullDisk.filesUnder(reports)) {
      assertThat(files).as("neither the report nor a temporary file").isEmpty();
    }
    assertThat(dir.resolve("work/checkpoints").resolve(TrainingJob.PREPROCESSING)).exists();
  }

  @Test
  void nonNumericFeaturesAMissingLabelAndABadModelAreRefusedInOneLine() throws IOException {
    Path data = tables.ipcFileWithDictionaryLabels(dir.resolve("flowers.arrow"));
    assertOneLineError(train(data, "kind"),
        "column 'kind': not in the data; the columns are [x0, x1, note, x2, x3, species]");
    assertOneLineError(train(data, "species", "--min-frequency", "0"), "--min-frequency must be >= 1, got 0");
    assertOneLineError(train(data, "species", "--max-categories", "1"),
        "--max-categories must be >= 2 (one category and 'other'), got 1");
    assertOneLineError(train(data, "species", "--model", "cnn:3"), "--model must look like mlp:256,128");
    assertOneLineError(train(data, "note", "--task", "regression"), "column 'note': expected a numeric target");
    assertOneLineError(train(data, "species", "--column-types", "x0=float64"), "--column-types, --missing and --encoding apply to CSV files");
    assertOneLineError(train(data, "species", "--csv-skip-rows", "-1"), "--csv-skip-rows must be >= 0, got -1");
    assertOneLineError(train(data, "species", "--in-memory-limit", "9000000000g"),
        "--in-memory-limit is more bytes than a long holds: 9000000000g");
    assertOneLineError(train(data, "species", "--in-memory-limit", "lots"),
        "--in-memory-limit must be a size such as 512m, 512MB or 4g, got lots");
  }

  @Test
  void helpShowsEachCommandsDefaults() {
    Cli train = Cli.run("train", "--help");
    assertThat(train.out()).contains("Most epochs to train (default: auto;").contains("Rows per batch (default: auto;")
        .contains("Decoupled weight decay").contains("noise (default: 1)").contains("seeded permutation of each")
        .contains("--no-standardize").contains("--task").contains("--class-weight").contains("--column-types");
    Cli digits = Cli.run("digits", "--help");
    assertThat(digits.out()).contains("Most epochs to train (default: 30;").contains("Rows per batch (default: 64;");
  }

  private Cli train(Path data, String label, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--label", label,
        "--batch-size", "50", "--lr", "1e-2", "--work-dir", dir.resolve("work").toString(),
        "--report", dir.resolve("report.json").toString()));
    args.addAll(List.of(more));
    if (!args.contains("--epochs")) {
      args.addAll(List.of("--epochs", "15"));
    }
    return Cli.run(args.toArray(String[]::new));
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
