package io.solstice.examples.cli;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowReadException;
import io.solstice.arrow.CorruptIpcException;
import io.solstice.arrow.CsvColumnTypeException;
import io.solstice.arrow.FeatureSpec;
import io.solstice.arrow.ReadOptions;
import io.solstice.arrow.Split;
import io.solstice.arrow.Standardization;
import io.solstice.arrow.TableFormat;
import io.solstice.arrow.TableSplit;
import io.solstice.arrow.TextEncodingException;
import io.solstice.core.metrics.FeatureMoments;
import io.solstice.core.models.MlpClassifier;
import io.solstice.examples.data.Categories;
import io.solstice.examples.data.DataFingerprint;
import io.solstice.examples.data.NullFill;
import io.solstice.examples.data.TableLayout;
import io.solstice.examples.data.TableSurvey;
import io.solstice.examples.data.UsageException;
import io.solstice.examples.data.WidenedColumns;
import io.solstice.examples.job.ClassificationTask;
import io.solstice.examples.job.CsvReading;
import io.solstice.examples.job.JobData;
import io.solstice.examples.job.ModelTask;
import io.solstice.examples.job.RegressionTask;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.ArrowType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reactor.core.publisher.Flux;

/**
 * {@code solstice train}: trains an MLP classifier or regressor on a user's table (Arrow IPC
 * file or stream, Parquet, CSV or JSON lines, told apart by content), split row by row into
 * train, validation and test parts (stratified by class for classification, seeded),
 * standardized with statistics of the train part, shuffled every epoch, and reported like
 * scikit-learn. docs/CLI.md describes each step.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    defaultValueProvider = TrainCommand.Defaults.class,
    description = {
        "Train an MLP classifier (or, with --task regression, a regressor) on a table: an Arrow IPC file or "
            + "stream, Parquet, CSV (types inferred or given with --column-types) or JSON lines, told apart by "
            + "content; CSV and JSON lines may be gzip-compressed, named *.gz. Features default to every numeric and "
            + "string column but the label (strings one-hot encoded; row numbers and columns of names or ids left "
            + "out, saying so), or one FixedSizeList<float> vector column; class labels may be integers or "
            + "strings, plain or dictionary-encoded.",
        "",
        "Split: rows go to train, validation and test by a seeded permutation of each class's rows (stratified: "
            + "each class is split in proportion, within one row; for regression a plain random split), so the "
            + "same --seed and table always give the same split.",
        "",
        "Scaling: features are standardized with the mean and standard deviation of the train rows (a constant "
            + "feature is only centred); a regression target too, with predictions and errors reported in its "
            + "own units.",
        "",
        "Order: the train rows are reshuffled every epoch (seeded). A table up to --in-memory-limit is held in "
            + "memory; a larger one is streamed, read again each epoch, in the same order as if held in memory: "
            + "each read keeps the train rows of the next --shuffle-window places of the epoch's order, so an "
            + "epoch reads the table (train rows / window) times.",
        "",
        "Report: training stops when the validation loss (MSE for regression) has not improved for --patience "
            + "epochs; the best epoch is evaluated on the test rows: precision, recall, F1 and accuracy per "
            + "class, or R^2, MAE and RMSE.",
        ""
    })
public final class TrainCommand extends TrainingCommand {

  @Option(names = "--data", required = true, paramLabel = "PATH",
      description = "The table: a file, or a directory of Parquet, CSV or JSON-lines files.")
  Path data;

  @Option(names = "--label", required = true, paramLabel = "COLUMN",
      description = "The column to predict: class labels, or a number with --task regression.")
  String label;

  @Option(names = "--task", defaultValue = "classification", paramLabel = "classification|regression",
      description = "Predict classes or a number (default: ${DEFAULT-VALUE}).")
  String task;

  @Option(names = "--features", split = ",", paramLabel = "COLUMNS",
      description = "Feature columns, comma-separated (default: every numeric and string column but the label; "
          + "string columns are one-hot encoded).")
  List<String> features = List.of();

  @Option(names = "--drop", split = ",", paramLabel = "COLUMNS",
      description = "Columns to leave out of the default features, comma-separated (ids, leaks of the label, "
          + "notes); --features names the features instead.")
  List<String> drop = List.of();

  @Option(names = "--categorical", split = ",", paramLabel = "COLUMNS",
      description = "Integer feature columns to one-hot encode as categories rather than take as numbers (codes "
          + "such as store or product ids), comma-separated.")
  List<String> categorical = List.of();

  @Option(names = "--min-frequency", defaultValue = "1", paramLabel = "ROWS",
      description = "A categorical value in fewer train rows than this is not a category of its own: the rarer "
          + "values of a column go together into one 'other' category, which also takes values never seen in "
          + "training (default: ${DEFAULT-VALUE}; a column keeps at most --max-categories inputs either way).")
  long minFrequency;

  @Option(names = "--max-categories", defaultValue = "" + Categories.DEFAULT_MOST, paramLabel = "N",
      description = "The most one-hot inputs a categorical column gets, its 'other' input included: past that, "
          + "its rarest values share 'other' (default: ${DEFAULT-VALUE}).")
  int maxCategories;

  @Option(names = "--model", defaultValue = "mlp:128", paramLabel = "mlp:SIZES",
      description = "The model: mlp with hidden layer sizes, e.g. mlp:256,128 (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--val-fraction", defaultValue = "0.2",
      description = "Fraction of the rows (of each class, for classification) held out for validation and early "
          + "stopping (default: ${DEFAULT-VALUE}).")
  double valFraction;

  @Option(names = "--test-fraction", defaultValue = "0.2",
      description = "Fraction of the rows (of each class, for classification) held out for the final report; 0 "
          + "reports on the validation rows (default: ${DEFAULT-VALUE}).")
  double testFraction;

  @Option(names = "--fill-nulls", defaultValue = NullFill.NONE, paramLabel = "none|mean|VALUE",
      description = "Null feature values: none refuses a table that holds any, naming where they are; mean fills "
          + "each feature's nulls with the mean of its train values; a number fills them with it. Applied before "
          + "standardization, and by predict and the ONNX export alike (default: ${DEFAULT-VALUE}).")
  String fillNulls;

  @Option(names = "--no-standardize", negatable = false,
      description = "Train on the raw features instead of standardized ones.")
  boolean noStandardize;

  @Option(names = "--class-weight", defaultValue = "none", paramLabel = "none|balanced",
      description = "balanced: weight each class's loss by rows / (classes * class rows), as scikit-learn does "
          + "(default: ${DEFAULT-VALUE}).")
  String classWeight;

  @Option(names = "--loss", defaultValue = "squared", paramLabel = "squared|huber",
      description = "Regression loss: squared error, or Huber (linear beyond one standard deviation of the target) "
          + "(default: ${DEFAULT-VALUE}).")
  String loss;

  @Option(names = "--column-types", split = ",", paramLabel = "COLUMN=TYPE",
      description = "CSV column types instead of inferred ones; TYPE is int32, int64, float32, float64 or string.")
  Map<String, String> columnTypes = Map.of();

  @Option(names = "--csv-no-header", negatable = false,
      description = "The CSV file has no header row: columns are named f0, f1, ... (a first row of numbers "
          + "only is taken for data without it).")
  boolean csvNoHeader;

  @Option(names = "--csv-skip-rows", defaultValue = "0", paramLabel = "N",
      description = "Rows to skip at the start of a CSV file, before the header (default: ${DEFAULT-VALUE}).")
  int csvSkipRows;

  @Option(names = "--missing", split = ",", paramLabel = "VALUE",
      description = "Values that mark a missing value in a CSV file besides an empty cell, NA, NULL, NaN and the like, "
          + "such as UCI's --missing '?': a cell that is one, spaces around it aside, is read as empty (a missing "
          + "number, see --fill-nulls; a category missing). predict reads the model's files the same way.")
  List<String> missing = List.of();

  @Option(names = "--encoding", defaultValue = "UTF-8", paramLabel = "CHARSET",
      description = "The CSV file's text encoding, such as windows-1252 (Excel's CSV on Windows), ISO-8859-1 or "
          + "UTF-16 (Excel's Unicode Text); predict reads the model's files in it too (default: ${DEFAULT-VALUE}).")
  String encoding;

  @Option(names = "--in-memory-limit", paramLabel = "SIZE",
      description = "Largest table held in memory, e.g. 512m, 512MB or 4g (units of 1024); larger ones are streamed "
          + "(default: a quarter of the JVM's maximum heap).")
  String inMemoryLimit;

  @Option(names = "--shuffle-window", defaultValue = "auto", paramLabel = "ROWS|auto",
      description = "For a streamed table: the most train rows held at once to shuffle them; each epoch reads the "
          + "table once per window of train rows; 0 keeps stored order (default: ${DEFAULT-VALUE}: as many rows "
          + "as --in-memory-limit holds, at least 4096).")
  String shuffleWindow;

  /** Rows per batch while surveying and splitting (the training batch size is chosen after). */
  private static final int READ_ROWS = 8192;

  /** The Huber loss's delta, in standard deviations of the target. */
  private static final double HUBER_DELTA = 1.0;

  /** A size: digits, then an optional unit (k, m, g or t) and an optional b or ib. */
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?");

  /** Creates the command. */
  public TrainCommand() {}

  /**
   * {@code auto} for the settings {@link Sizing} chooses from the data, and a weight decay of 1
   * (each step also shrinks the weights by {@code lr * 1}, a pull toward small weights that
   * brings an MLP on a few hundred noisy rows within reach of a linear model's error).
   */
  static final class Defaults extends OptionDefaults {
    Defaults() {
      super(Map.of("--epochs", "auto", "--batch-size", "auto", "--lr", "auto", "--patience", "auto",
          "--weight-decay", "1"));
    }
  }

  /** Says so when a categorical column holds numbers that its text made categories. */
  private void sayWhyNumbersAreText(String column, List<String> values) {
    List<String> text = Categories.numbersButFor(values);
    String formatted = Categories.formattedNumber(values);
    if (!text.isEmpty()) {
      out().printf(Locale.ROOT, "Read as text: '%s' holds numbers but for %s, so its values are categories; if %s "
          + "marks a missing value, %s reads the column as numbers (then see --fill-nulls)%n",
          column, Categories.quoted(text), text.size() == 1 ? "that" : "each of those",
          Objects.requireNonNullElse(Categories.missingOption(text), "emptying those cells"));
    } else if (formatted != null) {
      out().printf(Locale.ROOT, "Read as text: '%s' holds numbers written as text, such as '%s', so its values are "
          + "categories; written as plain numbers (no currency sign, thousands separator or percent sign), the "
          + "column is read as numbers%n", column, formatted);
    }
  }

  /**
   * Classes whose names differ only in case or in spaces around them ({@code yes}, {@code Yes},
   * {@code "yes "}) are separate classes, which is seldom what a table meant.
   */
  private void warnOfClassesAlike(List<String> classNames) {
    Map<String, List<String>> byLooseName = new LinkedHashMap<>();
    classNames.forEach(name -> byLooseName
        .computeIfAbsent(name.strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(name));
    byLooseName.values().stream().filter(alike -> alike.size() > 1).forEach(alike -> warn("classes "
        + Categories.quoted(alike) + " differ only in case or in spaces around them; they are separate classes"));
  }

  @Override
  Path defaultWorkDir() {
    return Path.of("runs", "train");
  }

  @Override
  int[] hidden() {
    String prefix = "mlp:";
    if (!model.startsWith(prefix)) {
      throw new UsageException("--model must look like mlp:256,128 (an MLP and its hidden layer sizes), got " + model);
    }
    try {
      int[] sizes = Arrays.stream(model.substring(prefix.length()).split(",")).mapToInt(s -> Integer.parseInt(s.trim()))
          .toArray();
      check(Arrays.stream(sizes).allMatch(s -> s > 0), "--model layer sizes must be positive, got " + model);
      return sizes;
    } catch (NumberFormatException e) {
      throw new UsageException("--model must look like mlp:256,128, got " + model);
    }
  }

  @Override
  JobData prepare(BufferAllocator allocator) {
    boolean regression = regression();
    check(csvSkipRows >= 0, "--csv-skip-rows must be >= 0, got " + csvSkipRows);
    check(valFraction > 0 && valFraction < 1, "--val-fraction must be in (0, 1)");
    check(testFraction >= 0 && valFraction + testFraction < 1,
        "--test-fraction must be >= 0 and leave rows to train on with --val-fraction");
    check(classWeight.equals("none") || classWeight.equals("balanced"), "--class-weight must be none or balanced");
    check(loss.equals("squared") || loss.equals("huber"), "--loss must be squared or huber");
    check(!regression || classWeight.equals("none"), "--class-weight applies to classification, not regression");
    check(regression || loss.equals("squared"), "--loss applies to regression (--task regression)");
    check(minFrequency >= 1, "--min-frequency must be >= 1, got " + minFrequency);
    check(maxCategories >= 2, "--max-categories must be >= 2 (one category and 'other'), got " + maxCategories);
    NullFill nullFill = NullFill.parse(fillNulls);
    Path path = resolve(data);
    TableFormat format = detect(path);
    // The survey reads the whole table, so once it has, every later read with its types succeeds.
    Surveyed surveyed = new WidenedColumns(this::namedTypeRefused).read(widened -> {
      ReadOptions read = readOptions(format, path, widened);
      Flux<ArrowBatch> batches = format.read(path, allocator, read);
      return new Surveyed(read, batches, readable(path, format, () -> TableSurvey.survey(batches, path.toString(),
          label, features, drop, categorical, regression)));
    }, out()::println);
    ReadOptions options = surveyed.options();
    Flux<ArrowBatch> table = surveyed.table();
    TableLayout layout = surveyed.layout();
    nullFill.refuseUnfilled(layout, path);
    TableSplit.Builder builder = TableSplit.builder()
        .validation(valFraction).test(testFraction).seed(seed)
        .stratifyBy(regression ? null : label)
        .inMemoryLimit(inMemoryLimit(allocator));
    if (!shuffleWindow.equals("auto")) {
      builder.shuffleWindow(shuffleWindowRows());
    }
    TableSplit split = readable(path, format, () -> builder.plan(table, allocator));
    try {
      return prepare(path, format.describe(path, options), format, layout, split, nullFill);
    } catch (RuntimeException e) {
      split.close();
      throw e;
    }
  }

  private JobData prepare(Path path, String formatRead, TableFormat format, TableLayout surveyed, TableSplit split,
      NullFill nullFill) {
    long trainRows = split.rows(Split.TRAIN);
    check(trainRows > 0 && split.rows(Split.VALIDATION) > 0 && (testFraction == 0 || split.rows(Split.TEST) > 0),
        path + " has too few rows (" + split.rows() + ") to give every split at least one (" + trainRows + " train, "
            + split.rows(Split.VALIDATION) + " validation, " + split.rows(Split.TEST) + " test); add rows or change "
            + "--val-fraction and --test-fraction");
    Sizing sizing = sizing(trainRows);
    Map<String, Categories.Kept> kept = surveyed.categories().isEmpty() ? Map.of() : Categories.ofTrainRows(
        split.batches(Split.TRAIN, READ_ROWS), List.copyOf(surveyed.categories().keySet()), minFrequency,
        maxCategories);
    TableLayout layout = kept.isEmpty() ? surveyed : surveyed.withCategories(kept);
    out().printf(Locale.ROOT, "%s (%s): %d rows; features %s (%d per row); %s%n", path, formatRead, layout.rows(),
        "[" + shortList(layout.features()) + "]", layout.width(), layout.regression() ? "target '" + label + "'"
            : "label '" + label + "' with classes [" + shortList(layout.classNames()) + "]");
    warnOfClassesAlike(layout.classNames());
    if (!layout.leftOut().isEmpty()) {
      out().println("Left out: " + String.join(", ", layout.leftOut())
          + "; --features names the columns to use instead");
    }
    layout.categories().forEach((column, values) -> out().printf(Locale.ROOT,
        "One-hot encoded: '%s' (%d categories of the train rows: %s%s)%n", column, values.size(),
        shortList(values),
        kept.get(column).other() ? "; and 'other' for its " + kept.get(column).grouped() + " rarer values and new ones"
            : ""));
    layout.categories().forEach(this::sayWhyNumbersAreText);
    out().printf(Locale.ROOT, "Split by row (%s, seed %d): %d train, %d validation, %d test rows; %s%n",
        layout.regression() ? "random" : "stratified by '" + label + "'", seed, trainRows,
        split.rows(Split.VALIDATION), split.rows(Split.TEST),
        trainOrder(split));
    FeatureSpec nullsAsNaN = layout.rawDoubleSpec(new double[] {Double.NaN});
    double[] fill = nullFill.values(layout, split.batches(Split.TRAIN, READ_ROWS).map(nullsAsNaN::toTensors));
    String filled = nullFill.describe(layout, fill);
    if (filled != null) {
      out().println(filled);
    }
    // One pass over the train rows fits what is needed: the features' standardization, the target's.
    Moments moments = noStandardize && !layout.regression() ? null : moments(split, layout, fill);
    Standardization standardization = noStandardize ? null : layout.standardization(moments.features());
    out().println(standardization == null ? "Features as they are (--no-standardize)"
        : "Features standardized with the train rows' mean and standard deviation"
            + (layout.categories().isEmpty() ? "" : " (one-hot features as they are)"));
    out().println(describe(sizing));
    FeatureSpec spec = layout.featureSpec(standardization, fill);
    ModelTask<?, ?> modelTask =
        layout.regression() ? regressionTask(moments.targets()) : classificationTask(layout, split);
    boolean separateTest = split.rows(Split.TEST) > 0;
    return new JobData(
        (which, firstEpoch) -> split.batches(which == Split.TEST && !separateTest ? Split.VALIDATION : which,
            sizing.batchSize(), firstEpoch).map(spec::toTensors),
        trainRows, layout.width(), modelTask, separateTest ? "held-out test" : "validation",
        preprocessing(path, format, layout, split, standardization, nullFill.record(fill)), split);
  }

  /** How the train rows come each epoch, for the output and the run record. */
  private static String trainOrder(TableSplit split) {
    if (split.inMemory()) {
      return "held in memory, train rows reshuffled every epoch";
    }
    long window = split.shuffleWindow();
    if (window == 0) {
      return "streamed in stored order";
    }
    long reads = (split.rows(Split.TRAIN) + window - 1) / window;
    return String.format(Locale.ROOT, "streamed, train rows reshuffled every epoch in %d %s of the table (shuffle "
        + "window %d rows)", reads, reads == 1 ? "read" : "reads", window);
  }

  private long shuffleWindowRows() {
    try {
      long rows = Long.parseLong(shuffleWindow.trim());
      check(rows >= 0, "--shuffle-window must be >= 0 (or auto), got " + shuffleWindow);
      return rows;
    } catch (NumberFormatException e) {
      throw new UsageException("--shuffle-window must be a number of rows or auto, got " + shuffleWindow);
    }
  }

  /** The table's format, or a refusal that names the option for a text file in another encoding. */
  private TableFormat detect(Path path) {
    try {
      return TableFormat.detect(path, csvRead().build());
    } catch (TextEncodingException e) {
      throw new UsageException(e.what() + ": add --encoding " + e.likelyEncoding().name() + ", or save it as UTF-8 "
          + "(in Excel: \"CSV UTF-8\")");
    }
  }

  private CsvReading csvReading() {
    return new CsvReading(!csvNoHeader, csvSkipRows, missing, charset());
  }

  /** Options that read a CSV file as the CSV options say; other formats ignore them. */
  private ReadOptions.Builder csvRead() {
    try {
      return csvReading().applyTo(ReadOptions.builder());
    } catch (IllegalArgumentException e) {
      throw new UsageException("--missing: " + e.getMessage());
    }
  }

  private Charset charset() {
    try {
      return Charset.forName(encoding.trim());
    } catch (IllegalArgumentException e) {
      throw new UsageException("--encoding: no such encoding here: " + encoding + " (for example UTF-8, windows-1252, "
          + "ISO-8859-1, UTF-16)");
    }
  }

  private boolean regression() {
    return switch (task) {
      case "classification" -> false;
      case "regression" -> true;
      default -> throw new UsageException("--task must be classification or regression, got " + task);
    };
  }

  /** The table read with the column types its survey needed, and what the survey found. */
  private record Surveyed(ReadOptions options, Flux<ArrowBatch> table, TableLayout layout) {}

  /** A value that the type given to its column in --column-types or --categorical cannot hold. */
  private UsageException namedTypeRefused(CsvColumnTypeException e) {
    return columnTypes.containsKey(e.column()) || categorical.contains(e.column())
        ? new UsageException("column '" + e.column() + "': " + e.what() + "; give it another type in --column-types")
        : null;
  }

  private ReadOptions readOptions(TableFormat format, Path path, Map<String, ArrowType> widened) {
    ReadOptions.Builder options = csvRead().batchSize(READ_ROWS);
    if (format == TableFormat.CSV) {
      // Codes named categorical are read as text, so that "007" stays "007" (predict does the same).
      Map<String, ArrowType> types = new LinkedHashMap<>(widened);
      categorical.forEach(column -> types.put(column, ArrowType.Utf8.INSTANCE));
      types.putAll(ColumnTypes.parse(columnTypes));
      options.csvColumnTypes(types);
    } else {
      check(csvReading().equals(CsvReading.PLAIN) && columnTypes.isEmpty(),
          "--csv-no-header, --csv-skip-rows, --column-types, --missing and --encoding apply to CSV files; " + path
              + " is " + format.label());
    }
    return options.build();
  }

  /**
   * Runs a read of the table, naming the file when the read fails, and its format when its
   * bytes are corrupt.
   */
  private static <T> T readable(Path path, TableFormat format, java.util.function.Supplier<T> read) {
    try {
      return read.get();
    } catch (CorruptIpcException e) {
      throw new CorruptIpcException(e.column(), "cannot read " + path + " as an " + format.label() + ": "
          + e.getMessage(), e);
    } catch (ArrowReadException e) {
      throw new ArrowReadException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * A list for one line, comma-separated: whole up to 20 items, else its first ten and how many
   * more (a table of 1,000 columns, a column of 500 categories).
   */
  private static String shortList(List<String> items) {
    return items.size() <= 20 ? String.join(", ", items)
        : String.join(", ", items.subList(0, 10)) + ", ... and " + (items.size() - 10) + " more";
  }

  private long inMemoryLimit(BufferAllocator allocator) {
    if (inMemoryLimit == null) {
      return Math.min(allocator.getLimit(), Runtime.getRuntime().maxMemory()) / 4;
    }
    // 512m, 512mb, 512MiB and 536870912 are all the same size: units are powers of 1024.
    Matcher size = SIZE.matcher(inMemoryLimit.trim().toLowerCase(Locale.ROOT));
    if (!size.matches()) {
      throw new UsageException("--in-memory-limit must be a size such as 512m, 512MB or 4g, got " + inMemoryLimit);
    }
    long unit = 1L << 10 * "bkmgt".indexOf(size.group(2).isEmpty() ? "b" : size.group(2));
    try {
      return Math.multiplyExact(Long.parseLong(size.group(1)), unit);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new UsageException("--in-memory-limit is more bytes than a long holds: " + inMemoryLimit);
    }
  }

  /** The train rows' feature moments, and the target's for regression, in one pass. */
  private record Moments(FeatureMoments features, FeatureMoments targets) {}

  private static Moments moments(TableSplit split, TableLayout layout, double[] fill) {
    FeatureSpec raw = layout.rawDoubleSpec(fill);
    return split.batches(Split.TRAIN, READ_ROWS).map(raw::toTensors)
        .reduce(new Moments(FeatureMoments.none(), FeatureMoments.none()), (m, t) -> {
          try (t) {
            return new Moments(m.features().merge(FeatureMoments.of(t.features())),
                layout.regression() ? m.targets().merge(FeatureMoments.of(t.labels())) : m.targets());
          }
        })
        .block();
  }

  private RegressionTask regressionTask(FeatureMoments target) {
    double variance = target.variance()[0];
    return new RegressionTask(label, target.mean()[0], variance > 0 ? Math.sqrt(variance) : 1,
        loss.equals("huber") ? HUBER_DELTA : 0);
  }

  private ClassificationTask classificationTask(TableLayout layout, TableSplit split) {
    List<String> classes = layout.classNames();
    Map<Split, long[]> counts = new LinkedHashMap<>();
    for (Split part : Split.values()) {
      long[] perClass = new long[classes.size()];
      split.rowsPerStratum(part).forEach((stratum, rows) -> {
        int index = classes.indexOf(String.valueOf(stratum));
        if (index >= 0) {
          perClass[index] += rows;
        }
      });
      counts.put(part, perClass);
    }
    for (int k = 0; k < classes.size(); k++) {
      long total = counts.get(Split.TRAIN)[k] + counts.get(Split.VALIDATION)[k] + counts.get(Split.TEST)[k];
      for (Split part : Split.values()) {
        if (counts.get(part)[k] == 0 && (part != Split.TEST || split.rows(Split.TEST) > 0)) {
          warn(String.format(Locale.ROOT, "class '%s' has no rows in the %s split (%d in the whole table); its "
              + "metrics there are 0", classes.get(k), part.label(), total));
        }
      }
    }
    double[] weights = classWeight.equals("balanced") ? MlpClassifier.balancedWeights(counts.get(Split.TRAIN)) : null;
    if (weights != null) {
      out().println("Class weights (balanced): " + Arrays.toString(weights));
    }
    return new ClassificationTask(label, classes, weights);
  }

  private Map<String, Object> preprocessing(Path path, TableFormat format, TableLayout layout, TableSplit split,
      Standardization standardization, Map<String, Object> fillNulls) {
    Map<String, Object> splitRecord = new LinkedHashMap<>();
    splitRecord.put("method", layout.regression() ? "random" : "stratified");
    splitRecord.put("stratified_by", layout.regression() ? null : label);
    splitRecord.put("seed", seed);
    splitRecord.put("validation_fraction", valFraction);
    splitRecord.put("test_fraction", testFraction);
    Map<String, Object> rows = new LinkedHashMap<>();
    for (Split part : Split.values()) {
      rows.put(part.label(), split.rows(part));
    }
    splitRecord.put("rows", rows);
    splitRecord.put("in_memory", split.inMemory());
    splitRecord.put("train_order", split.inMemory() || split.shuffleWindow() > 0 ? "reshuffled every epoch"
        : "stored order");
    splitRecord.put("shuffle_window", split.inMemory() ? null : split.shuffleWindow());
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("data", path.toAbsolutePath().toString());
    record.put(DataFingerprint.KEY, DataFingerprint.of(path));
    record.put("format", format.name());
    record.put("rows", split.rows());
    record.put("features", layout.features());
    record.put("categories", layout.categories());
    record.put("other_category", layout.otherCategory());
    record.put("min_frequency", minFrequency);
    record.put("max_categories", maxCategories);
    record.put("split", splitRecord);
    record.put("fill_nulls", fillNulls);
    record.put("csv", format == TableFormat.CSV ? csvReading().toJson() : null);
    if (standardization == null) {
      record.put("standardization", null);
    } else {
      Map<String, Object> scaling = new LinkedHashMap<>();
      scaling.put("mean", Arrays.stream(standardization.mean()).boxed().toList());
      scaling.put("scale", Arrays.stream(standardization.scale()).boxed().toList());
      record.put("standardization", scaling);
    }
    return record;
  }
}
