package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.solstice.examples.job.ModelRecord;
import io.solstice.examples.job.TrainedModel;
import io.solstice.examples.job.TrainingJob;
import io.solstice.onnx.OnnxExport;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ViewVarCharVector;
import org.apache.arrow.vector.complex.LargeListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Columns that are not amounts. A table whose label only a string column tells: {@code train}
 * one-hot encodes the column with the train rows' categories (and leaves out a column of names,
 * one per row), {@code predict} encodes new rows the same way, an unknown or missing city as a row
 * of zeros. Integer codes named {@code --categorical} are encoded the same way; a boolean column
 * is a 0/1 feature, and a boolean label has the classes false and true; Parquet decimals are
 * numbers; Polars' string views are strings.
 */
class FeatureColumnsTest {
  @TempDir Path dir;

  private static final String[] CITIES = {"Rome", "Lima", "Oslo", "Paris"};
  private Path table;

  /** 400 rows: x is noise; the label is "yes" in Oslo and Rome, "no" elsewhere and where the city is missing. */
  @BeforeEach
  void writeTable() throws Exception {
    Random random = new Random(7);
    List<String> lines = new ArrayList<>(List.of("x,city,name,label"));
    for (int r = 0; r < 400; r++) {
      String city = r % 20 == 19 ? "" : CITIES[random.nextInt(CITIES.length)];
      boolean yes = city.equals("Oslo") || city.equals("Rome");
      lines.add(String.format(Locale.ROOT, "%.4f,%s,person %d,%s", random.nextGaussian(), city, r, yes ? "yes" : "no"));
    }
    table = Files.write(dir.resolve("visits.csv"), lines);
  }

  @Test
  void trainOneHotEncodesAStringColumnAndPredictEncodesNewRowsTheSameWay() throws Exception {
    Path work = dir.resolve("run");
    Path reportFile = dir.resolve("report.json");
    Cli train = Cli.run("train", "--data", table.toString(), "--label", "label", "--epochs", "15",
        "--work-dir", work.toString(), "--report", reportFile.toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("features [x, city] (5 per row)")
        .contains("Left out: 'name' (400 distinct values in 400 rows, too many to be categories)")
        .contains("One-hot encoded: 'city' (4 categories of the train rows: Lima, Oslo, Paris, Rome)")
        .contains("Features standardized with the train rows' mean and standard deviation (one-hot features as "
            + "they are)");
    JsonNode report = new ObjectMapper().readTree(reportFile.toFile());
    // x is noise: only the city tells the label.
    assertThat(report.get("test").get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.95);

    ModelRecord record = TrainedModel.load(work).record();
    assertThat(record.inputs()).isEqualTo(5);
    assertThat(record.categories()).isEqualTo(Map.of("city", List.of("Lima", "Oslo", "Paris", "Rome")));
    // One-hot features are not standardized: mean 0 and scale 1 after x's own.
    assertThat(record.standardization().mean()).hasSize(5).endsWith(0, 0, 0, 0);
    assertThat(record.standardization().scale()).endsWith(1, 1, 1, 1);
    JsonNode preprocessing = new ObjectMapper().readTree(work.resolve("checkpoints")
        .resolve(TrainingJob.PREPROCESSING).toFile());
    assertThat(preprocessing.get("categories").get("city")).hasSize(4);

    Path rows = Files.write(dir.resolve("new.csv"), List.of("x,city", "0.1,Oslo", "-0.2,Lima", "0.3,Rome",
        "0.0,Paris", "0.0,Kyiv", "0.0,"));
    Path out = dir.resolve("predictions.arrow");
    Cli predict = Cli.run("predict", "--run", work.toString(), "--data", rows.toString(), "--out", out.toString());

    assertThat(predict.exitCode()).as(predict.err()).isZero();
    PredictionOutput predicted = PredictionOutput.read(out);
    assertThat(predicted.column("prediction").subList(0, 4)).containsExactly("yes", "no", "yes", "no");
    float[][] probabilities = predicted.probabilities();
    // An unknown city and a missing one are the same input: no category at all.
    assertThat(probabilities[4]).isEqualTo(probabilities[5]);
    // Text where the run took numbers is named, with its row.
    Path texts = Files.write(dir.resolve("texts.csv"), List.of("x,city", "0.1,Oslo", "unknown,Lima"));
    Cli mistyped = Cli.run("predict", "--run", work.toString(), "--data", texts.toString(), "--out",
        dir.resolve("texts.arrow").toString());
    assertThat(mistyped.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(mistyped.errLines()).containsExactly("solstice predict: " + texts + " has text in feature column 'x', "
        + "which the run took as numbers: 'unknown' in row 2; write a number there (or leave the cell empty for a "
        + "missing value)");

    // The ONNX model takes x as its float input and the city as its string input.
    Path onnx = dir.resolve("model.onnx");
    assertThat(Cli.run("export", "--run", work.toString(), "--onnx", onnx.toString()).exitCode()).isZero();
    float[][] x = {{0.1f}, {-0.2f}, {0.3f}, {0}, {0}, {0}};
    String[][] city = {{"Oslo"}, {"Lima"}, {"Rome"}, {"Paris"}, {"Kyiv"}, {""}};
    float[][] onnxProbabilities = OnnxRun.of(onnx, x, city).floats(OnnxExport.PROBABILITIES);
    double max = maxDifference(probabilities, onnxProbabilities);
    System.out.printf("ONNX Runtime vs solstice predict with a one-hot column: max |difference| %.3g%n", max);
    assertThat(max).isLessThanOrEqualTo(1e-5);
  }

  private static double maxDifference(float[][] a, float[][] b) {
    double max = 0;
    for (int r = 0; r < a.length; r++) {
      for (int k = 0; k < a[r].length; k++) {
        max = Math.max(max, Math.abs(a[r][k] - b[r][k]));
      }
    }
    return max;
  }

  @Test
  void anIntegerColumnOfCodesIsOneHotEncodedWhenNamedCategorical() throws Exception {
    // The label is "yes" at store 205 only: between the other two codes, as a number. The codes
    // have three digits, "007" too, which a CSV reader would take for the number 7.
    Random random = new Random(5);
    List<String> lines = new ArrayList<>(List.of("x,store,label"));
    int[] stores = {7, 205, 310};
    for (int r = 0; r < 300; r++) {
      int store = stores[random.nextInt(stores.length)];
      lines.add(String.format(Locale.ROOT, "%.4f,%03d,%s", random.nextGaussian(), store, store == 205 ? "yes" : "no"));
    }
    Path codes = Files.write(dir.resolve("stores.csv"), lines);
    Path work = dir.resolve("codes");

    Cli train = Cli.run("train", "--data", codes.toString(), "--label", "label", "--categorical", "store",
        "--epochs", "10", "--work-dir", work.toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("features [x, store] (4 per row)")
        .contains("One-hot encoded: 'store' (3 categories of the train rows: 007, 205, 310)");
    assertThat(TrainedModel.load(work).record().categories()).isEqualTo(Map.of("store", List.of("007", "205", "310")));
    // A file of codes that are all digits: read as text too, "007" is the category "007".
    Path rows = Files.write(dir.resolve("new-stores.csv"), List.of("x,store", "0.5,205", "0.5,007", "0.5,999"));
    Path out = dir.resolve("stores.arrow");
    Cli predict = Cli.run("predict", "--run", work.toString(), "--data", rows.toString(), "--out", out.toString());
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    assertThat(PredictionOutput.read(out).column("prediction").subList(0, 2)).containsExactly("yes", "no");

    Cli notAFeature = Cli.run("train", "--data", codes.toString(), "--label", "label", "--features", "x",
        "--categorical", "store", "--work-dir", dir.resolve("y").toString());
    assertThat(notAFeature.errLines()).containsExactly("solstice train: --categorical column 'store' is not one of "
        + "the features [x]");
  }

  @Test
  void aBooleanColumnIsAFeatureAndABooleanLabelHasTheClassesFalseAndTrue() throws Exception {
    // CSV true/false cells are read as booleans; the label copies the flag.
    Random random = new Random(3);
    List<String> lines = new ArrayList<>(List.of("x,flag,churned"));
    for (int r = 0; r < 300; r++) {
      boolean flag = random.nextBoolean();
      lines.add(String.format(Locale.ROOT, "%.4f,%s,%s", random.nextGaussian(), flag, flag));
    }
    Path flags = Files.write(dir.resolve("flags.csv"), lines);
    Path work = dir.resolve("flags");
    Path reportFile = dir.resolve("flags.json");

    Cli train = Cli.run("train", "--data", flags.toString(), "--label", "churned", "--epochs", "10",
        "--work-dir", work.toString(), "--report", reportFile.toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("features [x, flag] (2 per row); label 'churned' with classes [false, true]");
    assertThat(new ObjectMapper().readTree(reportFile.toFile()).get("test").get("accuracy").asDouble())
        .isGreaterThanOrEqualTo(0.95);
    Path rows = Files.write(dir.resolve("new-flags.csv"), List.of("x,flag", "0.3,true", "0.3,false"));
    Path out = dir.resolve("flags.arrow");
    assertThat(Cli.run("predict", "--run", work.toString(), "--data", rows.toString(), "--out", out.toString())
        .exitCode()).isZero();
    assertThat(PredictionOutput.read(out).column("prediction")).containsExactly("true", "false");

    Cli regression = Cli.run("train", "--data", flags.toString(), "--label", "churned", "--task", "regression",
        "--work-dir", dir.resolve("r").toString());
    assertThat(regression.errLines()).containsExactly("solstice train: column 'churned': expected a numeric target "
        + "(integer or floating point) but found Bool; to predict classes, leave out --task regression");
  }

  @Test
  void decimalColumnsOfAParquetFileAreNumericFeaturesAndTargets() throws Exception {
    // Parquet keeps money as decimals: a price feature (10, 2) and a total target (12, 2).
    Random random = new Random(8);
    int rows = 400;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (BufferAllocator allocator = new RootAllocator()) {
      Schema schema = new Schema(List.of(Field.nullable("price", new ArrowType.Decimal(10, 2, 128)),
          Field.nullable("quantity", new ArrowType.Int(32, true)),
          Field.nullable("total", new ArrowType.Decimal(12, 2, 128))));
      try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
           ArrowStreamWriter writer = new ArrowStreamWriter(root, null, bytes)) {
        root.allocateNew();
        for (int r = 0; r < rows; r++) {
          BigDecimal price = BigDecimal.valueOf(100 + random.nextInt(90_000), 2);
          int quantity = 1 + random.nextInt(5);
          ((DecimalVector) root.getVector("price")).setSafe(r, price);
          ((IntVector) root.getVector("quantity")).setSafe(r, quantity);
          ((DecimalVector) root.getVector("total")).setSafe(r, price.multiply(BigDecimal.valueOf(quantity)));
        }
        root.setRowCount(rows);
        writer.start();
        writer.writeBatch();
        writer.end();
      }
      Path parquet = Tables.parquet(bytes.toByteArray(), dir.resolve("orders.parquet"), allocator);
      Path reportFile = dir.resolve("orders.json");

      Cli train = Cli.run("train", "--data", parquet.toString(), "--label", "total", "--task", "regression",
          "--epochs", "30", "--work-dir", dir.resolve("orders").toString(), "--report", reportFile.toString());

      assertThat(train.exitCode()).as(train.err()).isZero();
      assertThat(train.out()).contains("features [price, quantity] (2 per row); target 'total'");
      // total = price * quantity: a product the MLP fits closely, from the decimals' values.
      assertThat(new ObjectMapper().readTree(reportFile.toFile()).get("test").get("r2").asDouble())
          .isGreaterThan(0.9);
    }
  }

  @Test
  void stringViewColumnsAsPolarsWritesThemAreCategoriesAndLabels() throws Exception {
    // The CSV's rows as an Arrow IPC file whose strings are Utf8View, Polars' default, with a
    // list[str] column of tags (LargeList<Utf8View>, as Polars writes it): the city and "visit".
    List<String> csv = Files.readAllLines(table);
    Path file = dir.resolve("visits.arrow");
    Schema schema = new Schema(List.of(
        Field.nullable("x", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
        Field.nullable("city", ArrowType.Utf8View.INSTANCE), Field.nullable("label", ArrowType.Utf8View.INSTANCE),
        new Field("tags", FieldType.nullable(ArrowType.LargeList.INSTANCE),
            List.of(Field.nullable("item", ArrowType.Utf8View.INSTANCE)))));
    try (BufferAllocator allocator = new RootAllocator();
         VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
         FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
         ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
      for (int r = 1; r < csv.size(); r++) {
        String[] cells = csv.get(r).split(",", -1);
        ((Float8Vector) root.getVector("x")).setSafe(r - 1, Double.parseDouble(cells[0]));
        ((ViewVarCharVector) root.getVector("city")).setSafe(r - 1, cells[1].getBytes(StandardCharsets.UTF_8));
        ((ViewVarCharVector) root.getVector("label")).setSafe(r - 1, cells[3].getBytes(StandardCharsets.UTF_8));
        LargeListVector tags = (LargeListVector) root.getVector("tags");
        ViewVarCharVector items = (ViewVarCharVector) tags.getDataVector();
        int first = (int) tags.startNewValue(r - 1);
        items.setSafe(first, cells[1].getBytes(StandardCharsets.UTF_8));
        items.setSafe(first + 1, "visit".getBytes(StandardCharsets.UTF_8));
        tags.endValue(r - 1, 2);
      }
      root.getVector("tags").getChildrenFromFields().get(0).setValueCount(2 * (csv.size() - 1));
      root.setRowCount(csv.size() - 1);
      writer.start();
      writer.writeBatch();
      writer.end();
    }

    Cli train = Cli.run("train", "--data", file.toString(), "--label", "label", "--epochs", "15",
        "--work-dir", dir.resolve("views").toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("features [x, city] (5 per row); label 'label' with classes [no, yes]")
        .contains("Left out: 'tags' (")
        .contains("One-hot encoded: 'city' (4 categories of the train rows: Lima, Oslo, Paris, Rome)");
    // predict passes the list column through, as a list of plain strings.
    Path out = dir.resolve("visits-predicted.arrow");
    Cli predict = Cli.run("predict", "--run", dir.resolve("views").toString(), "--data", file.toString(), "--out",
        out.toString());
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    PredictionOutput predicted = PredictionOutput.read(out);
    String firstCity = csv.get(1).split(",", -1)[1];
    assertThat(((List<?>) predicted.column("tags").get(0)).stream().map(Object::toString).toList())
        .containsExactly(firstCity, "visit");
    assertThat(predicted.column("prediction").get(0)).isIn("yes", "no");
  }

  @Test
  void rareValuesGoToOneOtherCategoryWhichAlsoTakesNewValuesInPredictAndOnnx() throws Exception {
    // Four common cities, and one row in ten in a town of its own: the label is "yes" in Oslo,
    // Rome and every small town. A town in the validation rows is one training never saw.
    Random random = new Random(3);
    List<String> lines = new ArrayList<>(List.of("x,city,label"));
    for (int r = 0; r < 600; r++) {
      boolean town = r % 10 == 3;
      String city = town ? "town " + r : r % 20 == 19 ? "" : CITIES[random.nextInt(CITIES.length)];
      boolean yes = town || city.equals("Oslo") || city.equals("Rome");
      lines.add(String.format(Locale.ROOT, "%.4f,%s,%s", random.nextGaussian(), city, yes ? "yes" : "no"));
    }
    Path towns = Files.write(dir.resolve("towns.csv"), lines);
    Path work = dir.resolve("grouped");
    Path reportFile = dir.resolve("grouped.json");
    Cli train = Cli.run("train", "--data", towns.toString(), "--label", "label", "--min-frequency", "5",
        "--epochs", "15", "--work-dir", work.toString(), "--report", reportFile.toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("features [x, city] (6 per row)")
        .contains("One-hot encoded: 'city' (4 categories of the train rows: Lima, Oslo, Paris, Rome; and 'other' for "
            + "its 41 rarer values and new ones)");
    double grouped = new ObjectMapper().readTree(reportFile.toFile()).get("test").get("accuracy").asDouble();
    // Each town its own category: the validation rows' towns are unknown, all zeros like a missing city.
    Path each = dir.resolve("each.json");
    Cli ungrouped = Cli.run("train", "--data", towns.toString(), "--label", "label", "--epochs", "15",
        "--work-dir", dir.resolve("each").toString(), "--report", each.toString());
    assertThat(ungrouped.exitCode()).as(ungrouped.err()).isZero();
    double oneEach = new ObjectMapper().readTree(each.toFile()).get("test").get("accuracy").asDouble();
    System.out.printf(Locale.ROOT, "Towns grouped as 'other': accuracy %.4f; one category each: %.4f%n", grouped,
        oneEach);
    assertThat(grouped).isGreaterThanOrEqualTo(0.95).isGreaterThan(oneEach + 0.05);

    // A smaller limit of inputs per column: the two most frequent cities, and other for the rest.
    Path limited = dir.resolve("limited");
    Cli three = Cli.run("train", "--data", towns.toString(), "--label", "label", "--max-categories", "3",
        "--epochs", "1", "--work-dir", limited.toString(), "--report", dir.resolve("limited.json").toString());
    assertThat(three.exitCode()).as(three.err()).isZero();
    assertThat(three.out()).contains("features [x, city] (4 per row)").containsPattern(
        "One-hot encoded: 'city' \\(2 categories of the train rows: \\w+, \\w+; and 'other' for its 43 rarer values");
    assertThat(TrainedModel.load(limited).record().categories().get("city")).hasSize(2);

    ModelRecord record = TrainedModel.load(work).record();
    assertThat(record.inputs()).isEqualTo(6);
    assertThat(record.categories()).isEqualTo(Map.of("city", List.of("Lima", "Oslo", "Paris", "Rome")));
    assertThat(record.otherCategory()).containsExactly("city");
    assertThat(record.standardization().mean()).endsWith(0, 0, 0, 0, 0);

    Path rows = Files.write(dir.resolve("new-towns.csv"), List.of("x,city", "0.1,Oslo", "0.0,Paris", "0.0,Atlantis",
        "0.0,town 3", "0.0,"));
    Path out = dir.resolve("towns.arrow");
    Cli predict = Cli.run("predict", "--run", work.toString(), "--data", rows.toString(), "--out", out.toString());
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    PredictionOutput predicted = PredictionOutput.read(out);
    assertThat(predicted.column("prediction")).as("a new town and a grouped one are 'other', a missing city is not")
        .containsExactly("yes", "no", "yes", "yes", "no");

    Path onnx = dir.resolve("towns.onnx");
    assertThat(Cli.run("export", "--run", work.toString(), "--onnx", onnx.toString()).exitCode()).isZero();
    float[][] x = {{0.1f}, {0}, {0}, {0}, {0}};
    String[][] city = {{"Oslo"}, {"Paris"}, {"Atlantis"}, {"town 3"}, {""}};
    float[][] onnxProbabilities = OnnxRun.of(onnx, x, city).floats(OnnxExport.PROBABILITIES);
    float[][] probabilities = predicted.probabilities();
    double max = maxDifference(probabilities, onnxProbabilities);
    System.out.printf("ONNX Runtime vs solstice predict with an other category: max |difference| %.3g%n", max);
    assertThat(max).isLessThanOrEqualTo(1e-5);
  }

  @Test
  void byDefaultAColumnOfMoreValuesThanOneHotFeaturesButNoIdentifierIsKeptWithItsRareValuesGrouped()
      throws Exception {
    // 1,200 rows over 150 stores, 8 rows each: more values than a column's 100 one-hot features,
    // far fewer than half the rows.
    Random random = new Random(8);
    List<String> lines = new ArrayList<>(List.of("x,store,label"));
    for (int r = 0; r < 1200; r++) {
      lines.add(String.format(Locale.ROOT, "%.4f,s%03d,%s", random.nextGaussian(), r % 150,
          r % 150 < 75 ? "yes" : "no"));
    }
    Path stores = Files.write(dir.resolve("many-stores.csv"), lines);

    Cli train = Cli.run("train", "--data", stores.toString(), "--label", "label", "--epochs", "1",
        "--work-dir", dir.resolve("many-stores").toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("features [x, store] (101 per row)").doesNotContain("Left out")
        // A long list is shortened as the features' and the classes' are: ten, then how many more.
        .containsPattern("One-hot encoded: 'store' \\(99 categories of the train rows: (s\\d{3}, ){10}\\.\\.\\. and 89 "
            + "more; and 'other' for its \\d+ rarer values and new ones\\)");
  }

  @Test
  void aNamedColumnOfTooManyValuesKeepsItsMostFrequentValuesAndGroupsTheRest() {
    // Every name is in one row: the 99 that sort last are categories, as scikit-learn breaks the tie.
    Cli train = Cli.run("train", "--data", table.toString(), "--label", "label", "--features", "x,name",
        "--epochs", "1", "--work-dir", dir.resolve("names").toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("features [x, name] (101 per row)")
        .containsPattern("One-hot encoded: 'name' \\(99 categories of the train rows: person \\d+, .*; and 'other' "
            + "for its \\d+ rarer values and new ones\\)");
  }

  @Test
  void aColumnThatCountsUpByOneOnEveryRowIsARowNumberLeftOutOfTheFeaturesAndPassedThroughByPredict()
      throws Exception {
    // As pandas writes a table sorted by class: its index first (an unnamed column, 0 to 399), an
    // id from 1001, a count of visits, and a signal that tells the label with some noise. In this
    // order the row numbers alone would tell the classes apart.
    Random random = new Random(11);
    List<double[]> rows = new ArrayList<>();
    for (int r = 0; r < 400; r++) {
      double signal = random.nextGaussian();
      rows.add(new double[] {random.nextInt(10), signal, signal + 0.5 * random.nextGaussian() > 0 ? 1 : 0});
    }
    rows.sort((a, b) -> Double.compare(a[2], b[2]));
    List<String> lines = new ArrayList<>(List.of(",id,visits,signal,label"));
    for (int r = 0; r < rows.size(); r++) {
      double[] row = rows.get(r);
      lines.add(String.format(Locale.ROOT, "%d,%d,%d,%.4f,%s", r, 1001 + r, (int) row[0], row[1],
          row[2] > 0 ? "yes" : "no"));
    }
    Path sorted = Files.write(dir.resolve("sorted.csv"), lines);

    Path work = dir.resolve("sorted-run");
    Cli train = Cli.run("train", "--data", sorted.toString(), "--label", "label", "--epochs", "5",
        "--work-dir", work.toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("features [visits, signal] (2 per row)")
        .contains("Left out: '' (0, 1, ... 399: a row number), 'id' (1001, 1002, ... 1400: a row number)");
    Path out = dir.resolve("sorted-predicted.csv");
    Cli predict = Cli.run("predict", "--run", work.toString(), "--data", sorted.toString(), "--out", out.toString());
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    List<String> predicted = Files.readAllLines(out);
    assertThat(predicted.get(0)).startsWith(",id,label,prediction,");
    assertThat(predicted.get(400)).startsWith("399,1400,yes,");

    Cli named = Cli.run("train", "--data", sorted.toString(), "--label", "label", "--features", "id,signal",
        "--epochs", "1", "--work-dir", dir.resolve("named-id").toString());
    assertThat(named.exitCode()).as(named.err()).isZero();
    assertThat(named.out()).contains("features [id, signal] (2 per row)").doesNotContain("Left out");
  }

  @Test
  void aColumnOfNumbersThatAQuestionMarkMadeTextIsNamedAsSuch() throws Exception {
    // As many UCI tables mark a missing value: '?' in a column of numbers makes the column text.
    Random random = new Random(13);
    List<String> lines = new ArrayList<>(List.of("size,count,label"));
    for (int r = 0; r < 300; r++) {
      int size = 1 + random.nextInt(10);
      lines.add((r % 40 == 7 ? "?" : Integer.toString(size)) + "," + random.nextInt(5_000) + ","
          + (size > 5 ? "big" : "small"));
    }
    Path marked = Files.write(dir.resolve("marked.csv"), lines);
    // A column of many numbers and a '?' is left out as an identifier would be: it says why too,
    // and so does one of prices written with a currency sign.
    List<String> many = new ArrayList<>(List.of(lines.get(0) + ",price"));
    for (int r = 1; r < lines.size(); r++) {
      String[] cells = lines.get(r).split(",");
      many.add(cells[0] + "," + (r == 9 ? "?" : cells[1]) + "," + cells[2] + ",$" + (r + 0.5));
    }
    Path manyCounts = Files.write(dir.resolve("many-counts.csv"), many);

    Cli train = Cli.run("train", "--data", marked.toString(), "--label", "label", "--epochs", "1",
        "--work-dir", dir.resolve("marked").toString());
    Cli trainMany = Cli.run("train", "--data", manyCounts.toString(), "--label", "label", "--epochs", "1",
        "--work-dir", dir.resolve("many-counts").toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("Read as text: 'size' holds numbers but for '?', so its values are categories; "
        + "if that marks a missing value, --missing '?' reads the column as numbers (then see --fill-nulls)");
    assertThat(trainMany.exitCode()).as(trainMany.err()).isZero();
    assertThat(trainMany.out()).containsPattern("Left out: 'count' \\(\\d+ distinct values in 300 rows, too many to be "
        + "categories; numbers but for '\\?', which make the column text; --missing '\\?' reads them as missing\\), "
        + "'price' \\(300 distinct values in 300 rows, too many to be categories; numbers written as text, such as "
        + "'\\$\\d+\\.5'\\)");

    // With the marker named, both columns are numbers with missing values, filled; predict reads
    // the model's files the same way, and the row with a '?' gets a prediction.
    Path work = dir.resolve("missing");
    Cli missing = Cli.run("train", "--data", manyCounts.toString(), "--label", "label", "--epochs", "2",
        "--missing", "?", "--fill-nulls", "mean", "--work-dir", work.toString());
    assertThat(missing.exitCode()).as(missing.err()).isZero();
    assertThat(missing.out()).contains("(CSV, '?' as missing): 300 rows; features [size, count] (2 per row)")
        .contains("Left out: 'price' (300 distinct values").doesNotContain("Read as text");
    Path out = dir.resolve("missing-predicted.csv");
    Cli predict = Cli.run("predict", "--run", work.toString(), "--data", manyCounts.toString(), "--out", out.toString());
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    List<String> predicted = Files.readAllLines(out);
    assertThat(predicted).hasSize(301);
    assertThat(predicted.get(0)).startsWith("label,price,prediction,");
    // Row 9 has a '?' count and row 8 a '?' size (r % 40 == 7): both predicted.
    assertThat(predicted.get(8)).matches("(big|small),\\$8\\.5,(big|small),.*");
    assertThat(predicted.get(9)).matches("(big|small),\\$9\\.5,(big|small),.*");

    Cli refused = Cli.run("train", "--data", manyCounts.toString(), "--label", "label", "--missing", "a,b;c",
        "--work-dir", dir.resolve("refused").toString());
    assertThat(refused.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(refused.err()).contains("--missing: a missing-value marker must not be blank");
  }

  @Test
  void aHeaderlessUciTableIsPredictedFromAsItWasTrainedOn() throws Exception {
    // As UCI's adult.data: no header, ", " between fields, '?' for a missing value, in numbers and
    // in text alike.
    Random random = new Random(15);
    List<String> lines = new ArrayList<>();
    for (int r = 0; r < 300; r++) {
      int age = 18 + random.nextInt(60);
      String work = r % 9 == 4 ? "?" : random.nextBoolean() ? "Private" : "State-gov";
      lines.add((r % 11 == 3 ? "?" : Integer.toString(age)) + ", " + work + ", " + (age > 45 ? ">50K" : "<=50K"));
    }
    Path adult = Files.write(dir.resolve("adult.data.csv"), lines);
    Path work = dir.resolve("adult");

    Cli train = Cli.run("train", "--data", adult.toString(), "--label", "f2", "--csv-no-header", "--missing", "?",
        "--fill-nulls", "mean", "--epochs", "2", "--work-dir", work.toString());
    assertThat(train.exitCode()).as(train.err()).isZero();
    // The space after each comma is no part of a cell: classes and categories have none.
    assertThat(train.out()).contains("(CSV, a space after each comma, no header, '?' as missing): 300 rows; features "
        + "[f0, f1] (3 per row); label 'f2' with classes [<=50K, >50K]")
        .contains("One-hot encoded: 'f1' (2 categories of the train rows: Private, State-gov)");

    Path out = dir.resolve("adult-predicted.csv");
    Cli predict = Cli.run("predict", "--run", work.toString(), "--data", adult.toString(), "--out", out.toString());
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    List<String> predicted = Files.readAllLines(out);
    assertThat(predicted).hasSize(301);
    // The first line is a row, not a header; row 4 has a '?' age, row 5 a '?' class of work.
    assertThat(predicted.get(0)).startsWith("f2,prediction,");
    assertThat(predicted.get(1)).startsWith(lines.get(0).substring(lines.get(0).lastIndexOf(", ") + 2) + ",");
    assertThat(predicted.subList(1, 301)).allMatch(line -> line.matches("(<=|>)50K,(<=|>)50K,.*"));

    // UCI's adult.test starts with a line of its own, and its classes end with a full stop.
    List<String> test = new ArrayList<>(List.of("|1x3 Cross validator"));
    lines.subList(0, 50).forEach(line -> test.add(line + "."));
    Path adultTest = Files.write(dir.resolve("adult.test.csv"), test);
    Path testOut = dir.resolve("adult-test-predicted.csv");
    Cli predictTest = Cli.run("predict", "--run", work.toString(), "--data", adultTest.toString(), "--out",
        testOut.toString(), "--csv-skip-rows", "1");
    assertThat(predictTest.exitCode()).as(predictTest.err()).isZero();
    // Its classes are not the run's ('>50K.' for '>50K'): the report leaves them out, saying so.
    assertThat(predictTest.out()).contains("Against the 'f2' column of " + adultTest + " (0 rows; 50 with a class the "
        + "run never saw left out, such as ").contains("no row to measure");
    assertThat(Files.readAllLines(testOut)).hasSize(51).element(1).asString().matches("(<=|>)50K\\.,(<=|>)50K,.*");
  }

  @Test
  void anExcelCsvInWindows1252IsReadOnceItsEncodingIsNamedAndPredictReadsItSo() throws Exception {
    // Excel's "CSV" on Windows: semicolons, decimal commas, Windows-1252 (0xE9 is é).
    Random random = new Random(16);
    List<String> lines = new ArrayList<>(List.of("caf\u00e9;temp\u00e9rature;label"));
    for (int r = 0; r < 300; r++) {
      double temperature = random.nextGaussian() * 10;
      lines.add((r % 3 == 0 ? "Caf\u00e9 Z\u00fcrich" : "Boulangerie") + ";"
          + String.format(Locale.ROOT, "%.1f", temperature).replace('.', ',') + ";" + (temperature > 0 ? "chaud" : "froid"));
    }
    Path excel = Files.write(dir.resolve("excel.csv"), lines, java.nio.charset.Charset.forName("windows-1252"));
    Path work = dir.resolve("excel");

    Cli refused = Cli.run("train", "--data", excel.toString(), "--label", "label", "--work-dir", work.toString());
    assertThat(refused.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(refused.err()).contains("excel.csv is text in an encoding other than UTF-8, probably windows-1252 (as "
        + "Excel saves \"CSV\" on Windows; or Latin-1): add --encoding windows-1252, or save it as UTF-8 (in Excel: "
        + "\"CSV UTF-8\")");

    Cli train = Cli.run("train", "--data", excel.toString(), "--label", "label", "--encoding", "windows-1252",
        "--epochs", "2", "--work-dir", work.toString());
    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("excel.csv (CSV, semicolons, decimal commas, windows-1252): 300 rows; features "
        + "[caf\u00e9, temp\u00e9rature]")
        .contains("One-hot encoded: 'caf\u00e9' (2 categories of the train rows: Boulangerie, Caf\u00e9 Z\u00fcrich)");

    Path out = dir.resolve("excel-predicted.csv");
    Cli predict = Cli.run("predict", "--run", work.toString(), "--data", excel.toString(), "--out", out.toString());
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    List<String> predicted = Files.readAllLines(out, java.nio.charset.StandardCharsets.UTF_8);
    assertThat(predicted).hasSize(301);
    assertThat(predicted.get(0)).startsWith("label,prediction,");

    // A run that read UTF-8 reads new rows in UTF-8: the Windows-1252 file is refused, saying so.
    Path utf8 = Files.write(dir.resolve("utf8.csv"), lines);
    Path utf8Work = dir.resolve("utf8");
    Cli utf8Train = Cli.run("train", "--data", utf8.toString(), "--label", "label", "--epochs", "1", "--work-dir",
        utf8Work.toString());
    assertThat(utf8Train.exitCode()).as(utf8Train.err()).isZero();
    Cli mismatched = Cli.run("predict", "--run", utf8Work.toString(), "--data", excel.toString(), "--out",
        dir.resolve("mismatched.csv").toString());
    assertThat(mismatched.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(mismatched.err()).contains("excel.csv is text in an encoding other than UTF-8, probably windows-1252 (as "
        + "Excel saves \"CSV\" on Windows; or Latin-1), and predict reads a table in the encoding its run read (UTF-8): "
        + "save it in that one, or train on a table in windows-1252 with --encoding windows-1252");

    Cli unknown = Cli.run("train", "--data", excel.toString(), "--label", "label", "--encoding", "klingon",
        "--work-dir", dir.resolve("unknown").toString());
    assertThat(unknown.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(unknown.err()).contains("--encoding: no such encoding here: klingon");
  }

  @Test
  void dropLeavesNamedColumnsOutOfTheDefaultFeatures() throws Exception {
    Cli dropped = Cli.run("train", "--data", table.toString(), "--label", "label", "--drop", "x", "--epochs", "1",
        "--work-dir", dir.resolve("dropped").toString());
    assertThat(dropped.exitCode()).as(dropped.err()).isZero();
    assertThat(dropped.out()).contains("features [city] (4 per row)");

    // A name not in the table, the label, and --drop with --features are refused in one line.
    Cli misspelt = Cli.run("train", "--data", table.toString(), "--label", "label", "--drop", "citty",
        "--work-dir", dir.resolve("misspelt").toString());
    assertThat(misspelt.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(misspelt.err()).contains("column 'citty': not in the data").contains("did you mean 'city'?");
    Cli label = Cli.run("train", "--data", table.toString(), "--label", "label", "--drop", "label",
        "--work-dir", dir.resolve("label").toString());
    assertThat(label.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(label.err()).contains("--drop names the label 'label', which is never a feature");
    Cli both = Cli.run("train", "--data", table.toString(), "--label", "label", "--drop", "x", "--features", "city",
        "--work-dir", dir.resolve("both").toString());
    assertThat(both.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(both.err()).contains("--drop leaves columns out of the default features, and --features names them "
        + "all; give one or the other");
  }

  @Test
  void aRowNumberIsFollowedAcrossBatchesAndACountThatStartsAgainIsAFeature() throws Exception {
    // 20,000 rows, read in batches of 8,192: 'row' counts from 1 to 20,000; 'cycle' counts from 0
    // to 9,999 twice; 'step' counts up by two.
    Random random = new Random(12);
    List<String> lines = new ArrayList<>(List.of("row,cycle,step,x,label"));
    for (int r = 0; r < 20_000; r++) {
      double x = random.nextGaussian();
      lines.add(String.format(Locale.ROOT, "%d,%d,%d,%.3f,%s", r + 1, r % 10_000, 2 * r, x, x > 0 ? "a" : "b"));
    }
    // Each line ends with a comma, as some exports write: one more column, empty in every row.
    Path counts = Files.write(dir.resolve("counts.csv"), lines.stream().map(line -> line + ",").toList());

    Cli train = Cli.run("train", "--data", counts.toString(), "--label", "label", "--epochs", "1",
        "--work-dir", dir.resolve("counts").toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("features [cycle, step, x] (3 per row)")
        .contains("Left out: '' (empty in every row), 'row' (1, 2, ... 20000: a row number); --features names the "
            + "columns to use instead");
  }

  @Test
  void aColumnEmptyInEveryRowIsLeftOutAndPassedThroughByPredictInEveryFormat() throws Exception {
    // A trailing comma on every line: Arrow reads one more column, of the null type.
    List<String> lines = new ArrayList<>(List.of("x,label,"));
    Random random = new Random(14);
    for (int r = 0; r < 200; r++) {
      double x = random.nextGaussian();
      lines.add(String.format(Locale.ROOT, "%.3f,%s,", x, x > 0 ? "a" : "b"));
    }
    Path table = Files.write(dir.resolve("trailing.csv"), lines);
    Path work = dir.resolve("trailing");

    Cli train = Cli.run("train", "--data", table.toString(), "--label", "label", "--epochs", "2", "--work-dir",
        work.toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("Left out: '' (empty in every row)");
    for (String format : List.of("arrow", "parquet", "csv")) {
      Path out = dir.resolve("trailing-predicted." + format);
      Cli predict = Cli.run("predict", "--run", work.toString(), "--data", table.toString(), "--out", out.toString());
      assertThat(predict.exitCode()).as(format + ": " + predict.err()).isZero();
      if (format.equals("csv")) {
        assertThat(Files.readAllLines(out).get(0)).startsWith("label,,prediction,");
      } else {
        assertThat(PredictionOutput.read(out).column("")).as(format).hasSize(200).containsOnlyNulls();
      }
    }
  }

  @Test
  void aWideTableAndManyClassesAreNamedOnOneShortLine() throws Exception {
    Random random = new Random(3);
    List<String> lines = new ArrayList<>();
    lines.add(IntStream.range(0, 25).mapToObj(c -> "c" + c).collect(Collectors.joining(",")) + ",digit");
    for (int r = 0; r < 300; r++) {
      StringBuilder row = new StringBuilder();
      for (int c = 0; c < 25; c++) {
        row.append(String.format(Locale.ROOT, "%.3f,", random.nextGaussian()));
      }
      lines.add(row.append("d").append(r % 22).toString());
    }
    Path wide = Files.write(dir.resolve("wide.csv"), lines);

    Cli train = Cli.run("train", "--data", wide.toString(), "--label", "digit", "--epochs", "1",
        "--work-dir", dir.resolve("wide").toString());

    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("300 rows; features [c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, ... and 15 more] "
        + "(25 per row); label 'digit' with classes [d0, d1, d10, d11, d12, d13, d14, d15, d16, d17, ... and 12 more]");
  }
}
