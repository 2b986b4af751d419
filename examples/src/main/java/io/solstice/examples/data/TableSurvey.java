package io.solstice.examples.data;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ColumnTypeException;
import io.solstice.arrow.LabelRangeException;
import io.solstice.arrow.MissingColumnException;
import io.solstice.arrow.NullValueException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import reactor.core.publisher.Flux;

/**
 * Reads a table once to learn its layout: checks the label and feature columns (with the Arrow
 * module's typed errors naming the column), picks the default features (every numeric or
 * categorical column but the label, or one float vector column), and collects the classes of a
 * classification label (its distinct values: strings, booleans, dictionary entries, or integers in
 * numeric order; more than 20 that are more than half as many as the rows are refused, since most
 * would have a single row, as a price or an id would); a regression target must be numeric. It
 * counts the rows whose numeric features are missing (null or NaN, {@link FeatureValue}), per
 * column, and refuses an infinite feature and a missing label (null, or an empty string) or
 * target (null, NaN or infinite), naming its row of the table, from 1.
 *
 * <p>A string or dictionary-encoded feature column is categorical (one-hot encoded; its
 * categories come from the train rows later, {@link Categories#ofTrainRows}, its rarer values
 * grouped as one other category past a column's limit of features). By default one with more
 * distinct values than half the rows, or than {@value Categories#SURVEY_LIMIT} (an identifier or
 * free text, not a category), is left out, saying why; a named one is kept. So is, by default, an
 * integer column that goes up by one on every row ({@code 0, 1, 2, ...} or {@code 1, 2, 3, ...}):
 * a row number, such as pandas writes as a table's first column, or an identifier such as
 * Kaggle's {@code PassengerId}. As a feature it says nothing about a new row and, in a table
 * sorted by class, tells the classes apart by their position in the file.
 */
public final class TableSurvey {
  /** The most classes a label may hold: more are an identifier or a number, not classes. */
  static final int MOST_CLASSES = 10_000;

  /** More classes than this, and more than half as many as the rows, are a number or an id. */
  static final int MANY_CLASSES = 20;

  /** Fewer rows than this say too little to call a column that counts up a row number. */
  static final int ROW_NUMBER_MIN_ROWS = 10;

  private final String label;
  private final List<String> requestedFeatures;
  // Columns the default features leave out, by name.
  private final List<String> dropped;
  // Integer columns to take as categories rather than numbers.
  private final List<String> requestedCategorical;
  private final boolean regression;

  private List<String> features;
  private int width = -1;
  private boolean dictionaryLabels;
  private final Set<String> names = new TreeSet<>();
  private final Set<String> dictionaryNames = new LinkedHashSet<>();
  // An integer label's values, in numeric order: each a class named by its decimal text.
  private final Set<Long> integerLabels = new TreeSet<>();
  private int batches;
  private long rows;
  // Per feature column with missing values (null or NaN): rows that hold one, and the first such
  // row of the table.
  private final Map<String, TableLayout.Rows> nulls = new LinkedHashMap<>();
  // The same for infinities, which no option fills.
  private final Map<String, TableLayout.Rows> infinities = new LinkedHashMap<>();
  // Columns that are not default features, each with why.
  private final List<String> leftOut = new ArrayList<>();
  // Per categorical feature column, its distinct values, counted up to one more than the most.
  private final Map<String, Set<String>> distinct = new LinkedHashMap<>();
  // Default integer features that have gone up by one on every row so far: the value each one
  // takes on the next row (null before the first), its first being that value less the rows.
  private final Map<String, Long> rowNumbers = new LinkedHashMap<>();

  private TableSurvey(String label, List<String> requestedFeatures, List<String> dropped,
      List<String> requestedCategorical, boolean regression) {
    this.label = label;
    this.requestedFeatures = requestedFeatures;
    this.dropped = dropped;
    this.requestedCategorical = requestedCategorical;
    this.regression = regression;
  }

  /**
   * Surveys a table.
   *
   * @param table the table's batches (read once, each closed after its visit)
   * @param name the table's name for messages, for example its path
   * @param label the label (classification) or target (regression) column
   * @param features the feature columns, or empty for the default
   * @param dropped columns the default features leave out (with named features, none)
   * @param categorical integer feature columns to one-hot encode as categories (string columns
   *     are categorical already), or empty
   * @param regression whether the label is a real-valued target rather than classes
   * @return the layout
   * @throws io.solstice.arrow.ArrowDataException when the table does not fit
   * @throws UsageException when the feature choice is ambiguous or the table is empty
   */
  public static TableLayout survey(Flux<ArrowBatch> table, String name, String label, List<String> features,
      List<String> dropped, List<String> categorical, boolean regression) {
    if (!features.isEmpty() && !dropped.isEmpty()) {
      throw new UsageException("--drop leaves columns out of the default features, and --features names them all; "
          + "give one or the other");
    }
    TableSurvey survey = new TableSurvey(label, features, dropped, categorical, regression);
    table.doOnNext(batch -> {
      try (batch) {
        survey.visit(batch);
      }
    }).blockLast();
    return survey.layout(name);
  }

  private TableLayout layout(String name) {
    if (batches == 0 || rows == 0) {
      throw new UsageException(name + " holds no rows");
    }
    if (!infinities.isEmpty()) {
      throw new UsageException(name + " has infinite feature values: " + TableLayout.where(infinities)
          + "; replace them with finite values or remove those rows");
    }
    leaveOutIdentifiers();
    Map<String, List<String>> categorical = new LinkedHashMap<>();
    distinct.keySet().forEach(column -> categorical.put(column, List.of()));
    if (regression) {
      return new TableLayout(features, width, label, List.of(), false, true, rows, nulls, leftOut, categorical,
          List.of());
    }
    List<String> classes = new ArrayList<>();
    integerLabels.forEach(value -> classes.add(Long.toString(value)));
    classes.addAll(dictionaryLabels ? dictionaryNames : names);
    if (classes.size() < 2) {
      throw new LabelRangeException(label, "holds " + classes.size() + " class(es) " + classes
          + "; a classifier needs at least two");
    }
    if (classes.size() > MANY_CLASSES && classes.size() * 2L > rows) {
      // Most classes would have one row: none to learn from in one split and test in another. (A
      // tiny table of a few classes is the split's to refuse, as too few rows.)
      throw new LabelRangeException(label, "holds " + classes.size() + " distinct values in " + rows + " rows: too "
          + "many classes to learn and test, most with a single row; to predict a number use --task regression");
    }
    // Classes by name: strings, booleans (false and true), dictionary entries and integers alike.
    return new TableLayout(features, width, label, classes, true, false, rows, nulls, leftOut, categorical,
        List.of());
  }

  /**
   * Leaves row numbers, and categorical columns that hold too many distinct values to be
   * categories, out of the default features. A named one stays: a row number as a number, a
   * categorical column with its most frequent values as categories and the rest as one other
   * category ({@link Categories#ofTrainRows}).
   */
  private void leaveOutIdentifiers() {
    List<String> kept = new ArrayList<>(features);
    if (rows >= ROW_NUMBER_MIN_ROWS) {
      rowNumbers.forEach((column, next) -> {
        long first = next - rows;
        kept.remove(column);
        leftOut.add("'" + column + "' (" + first + ", " + (first + 1) + ", ... " + (first + rows - 1)
            + ": a row number)");
      });
    }
    for (Map.Entry<String, Set<String>> column : List.copyOf(distinct.entrySet())) {
      int count = column.getValue().size();
      boolean named = !requestedFeatures.isEmpty() || requestedCategorical.contains(column.getKey());
      String why = named ? null
          : count > Categories.SURVEY_LIMIT ? "more than " + Categories.SURVEY_LIMIT + " distinct values, too many to "
              + "be categories"
          : count * 2L > rows ? count + " distinct values in " + rows + " rows, too many to be categories" : null;
      if (why == null) {
        continue;
      }
      List<String> text = Categories.numbersButFor(column.getValue());
      String formatted = Categories.formattedNumber(column.getValue());
      kept.remove(column.getKey());
      distinct.remove(column.getKey());
      leftOut.add("'" + column.getKey() + "' (" + why
          + (!text.isEmpty() ? "; numbers but for " + Categories.quoted(text) + ", which make the column text"
              + (Categories.missingOption(text) == null ? "" : "; " + Categories.missingOption(text)
                  + " reads them as missing")
              : formatted != null ? "; numbers written as text, such as '" + formatted + "'" : "")
          + ")");
    }
    if (kept.isEmpty()) {
      throw new UsageException("no numeric or categorical feature column besides the label '" + label + "'; left out: "
          + String.join(", ", leftOut) + "; name the features with --features to keep one");
    }
    if (kept.size() != features.size()) {
      features = List.copyOf(kept);
      width = features.size();
    }
  }

  private void visit(ArrowBatch batch) {
    if (features == null) {
      chooseColumns(batch.schema());
    }
    long firstRow = rows;
    batches++;
    rows += batch.rowCount();
    if (width < 0 && batch.rowCount() > 0) {
      FieldVector first = batch.root().getVector(features.get(0));
      if (first instanceof ListVector list) {
        width = list.getObject(0).size();
      }
    }
    countMissingAndInfinite(batch, firstRow);
    followRowNumbers(batch);
    distinct.forEach((column, values) -> Categories.addDistinct(batch, batch.root().getVector(column), values));
    if (regression) {
      checkTargets(batch, firstRow);
    } else {
      collectLabels(batch, firstRow);
    }
  }

  private void countMissingAndInfinite(ArrowBatch batch, long firstRow) {
    for (String name : features) {
      FieldVector column = batch.root().getVector(name);
      if (column == null) {
        throw new MissingColumnException(name, "missing from batch " + (batches - 1) + " of the data");
      }
      // A null category is one-hot encoded as zeros, like an unknown one: not missing.
      if (distinct.containsKey(name) || !FeatureValue.anyToCheck(column)) {
        continue;
      }
      for (int r = 0; r < batch.rowCount(); r++) {
        FeatureValue kind = FeatureValue.of(column, r);
        if (kind != FeatureValue.PRESENT) {
          (kind == FeatureValue.MISSING ? nulls : infinities).merge(name, new TableLayout.Rows(1, firstRow + r),
              (seen, one) -> new TableLayout.Rows(seen.rows() + 1, seen.firstRow()));
        }
      }
    }
  }

  /** Drops each row-number candidate at its first value that is not the previous one plus one. */
  private void followRowNumbers(ArrowBatch batch) {
    rowNumbers.entrySet().removeIf(column -> {
      BaseIntVector values = (BaseIntVector) batch.root().getVector(column.getKey());
      Long next = column.getValue();
      for (int r = 0; r < batch.rowCount(); r++) {
        if (values.isNull(r) || next != null && values.getValueAsLong(r) != next) {
          return true;
        }
        next = values.getValueAsLong(r) + 1;
      }
      column.setValue(next);
      return false;
    });
  }

  private void checkTargets(ArrowBatch batch, long firstRow) {
    FieldVector v = batch.root().getVector(label);
    if (v == null) {
      throw new MissingColumnException(label, "missing from batch " + (batches - 1) + " of the data");
    }
    for (int r = 0; r < v.getValueCount(); r++) {
      FeatureValue kind = FeatureValue.of(v, r);
      if (kind != FeatureValue.PRESENT) {
        throw new NullValueException(label, "row " + (firstRow + r + 1) + " of the table has "
            + (kind == FeatureValue.INFINITE ? "an infinite target" : v.isNull(r) ? "no target" : "no target (NaN)"));
      }
    }
  }

  private void chooseColumns(Schema schema) {
    List<String> columns = schema.getFields().stream().map(Field::getName).toList();
    Field labelField = field(schema, label, columns);
    ArrowType labelType = labelField.getType();
    if (regression) {
      if (!isScalar(labelField) || labelType instanceof ArrowType.Bool) {
        throw new ColumnTypeException(label, "expected a numeric target (integer or floating point) but found "
            + describe(labelField) + "; to predict classes, leave out --task regression");
      }
    } else if (labelField.getDictionary() != null) {
      dictionaryLabels = true;
    } else if (labelType instanceof ArrowType.FloatingPoint) {
      throw new ColumnTypeException(label, "holds floating-point values (" + labelType + "), not classes; to predict "
          + "a number use --task regression, to classify give integer or string class labels");
    } else if (!(labelType instanceof ArrowType.Utf8 || labelType instanceof ArrowType.LargeUtf8
        || labelType instanceof ArrowType.Bool || labelType instanceof ArrowType.Int)) {
      // Classes are named: a string's by itself, a boolean's false and true, an integer's by its value.
      throw new ColumnTypeException(label, "expected integer or string class labels but found " + labelType
          + "; a classifier needs classes");
    }
    for (String name : dropped) {
      field(schema, name, columns);
      if (name.equals(label)) {
        throw new UsageException("--drop names the label '" + label + "', which is never a feature");
      }
    }
    if (requestedFeatures.isEmpty()) {
      features = defaultFeatures(schema, columns);
    } else {
      for (String name : requestedFeatures) {
        if (name.equals(label)) {
          throw new UsageException("column '" + label + "' is the label; it cannot also be a feature");
        }
        Field f = field(schema, name, columns);
        if (Categories.isCategorical(f)) {
          distinct.put(name, new HashSet<>());
        } else if (!isScalar(f) && !(isVector(f) && requestedFeatures.size() == 1)) {
          throw new ColumnTypeException(name, "expected a numeric or string column"
              + (requestedFeatures.size() == 1 ? " or a FixedSizeList<Float32> vector" : "") + " but found "
              + describe(f));
        }
      }
      features = List.copyOf(requestedFeatures);
    }
    for (String name : requestedCategorical) {
      Field f = field(schema, name, columns);
      if (name.equals(label)) {
        throw new UsageException("column '" + label + "' is the label; it cannot also be a categorical feature");
      }
      if (!features.contains(name)) {
        throw new UsageException("--categorical column '" + name + "' is not one of the features " + features);
      }
      if (!(f.getType() instanceof ArrowType.Int) && !Categories.isCategorical(f)) {
        throw new ColumnTypeException(name, "holds " + describe(f) + "; categories are strings or integers");
      }
      distinct.putIfAbsent(name, new HashSet<>());
      rowNumbers.remove(name); // named: kept, as categories
    }
    Field first = field(schema, features.get(0), columns);
    width = first.getType() instanceof ArrowType.FixedSizeList list ? list.getListSize()
        : isVector(first) ? -1 : features.size();
  }

  private List<String> defaultFeatures(Schema schema, List<String> columns) {
    // Numeric and categorical columns in the table's order, and float vector columns.
    List<String> gathered = new ArrayList<>();
    List<String> categorical = new ArrayList<>();
    List<String> vectors = new ArrayList<>();
    for (Field f : schema.getFields()) {
      if (f.getName().equals(label) || dropped.contains(f.getName())) {
        continue;
      }
      if (isScalar(f)) {
        gathered.add(f.getName());
        if (f.getType() instanceof ArrowType.Int) {
          rowNumbers.put(f.getName(), null);
        }
      } else if (Categories.isCategorical(f)) {
        gathered.add(f.getName());
        categorical.add(f.getName());
      } else if (isVector(f)) {
        vectors.add(f.getName());
      } else if (f.getType() instanceof ArrowType.Null) {
        leftOut.add("'" + f.getName() + "' (empty in every row)"); // as a CSV file's trailing comma makes one
      } else {
        leftOut.add("'" + f.getName() + "' (" + describe(f) + ", neither numeric nor categorical)");
      }
    }
    if (vectors.size() == 1 && gathered.size() == categorical.size()) {
      categorical.forEach(c -> leftOut.add("'" + c + "' (categorical, besides the vector column '" + vectors.get(0)
          + "')"));
      return vectors;
    }
    if (!vectors.isEmpty()) {
      throw new UsageException("the data has vector column(s) " + vectors + " and numeric or categorical columns "
          + gathered + "; choose the features with --features (one vector column, or numeric and categorical "
          + "columns)");
    }
    if (gathered.isEmpty()) {
      throw new UsageException("no numeric or categorical feature column besides the label '" + label
          + "'; the columns are " + columns);
    }
    categorical.forEach(c -> distinct.put(c, new HashSet<>()));
    return gathered;
  }

  private static Field field(Schema schema, String name, List<String> columns) {
    return schema.getFields().stream().filter(f -> f.getName().equals(name)).findFirst()
        .orElseThrow(() -> MissingColumnException.notAmong(name, "not in the data"
            + (columns.stream().anyMatch(Categories::isNumber) ? " (its header looks like a row of data: for a CSV "
                + "file without a header, add --csv-no-header, and the columns are named f0, f1, ...)" : ""), columns));
  }

  /** A numeric column: integers, floating point, decimals, or booleans (0 and 1). */
  private static boolean isScalar(Field f) {
    ArrowType t = f.getType();
    return f.getDictionary() == null && (t instanceof ArrowType.Int || t instanceof ArrowType.FloatingPoint
        || t instanceof ArrowType.Decimal || t instanceof ArrowType.Bool);
  }

  private static boolean isVector(Field f) {
    ArrowType t = f.getType();
    return (t instanceof ArrowType.FixedSizeList || t instanceof ArrowType.List)
        && f.getChildren().size() == 1
        && f.getChildren().get(0).getType() instanceof ArrowType.FloatingPoint;
  }

  private static String describe(Field f) {
    return f.getDictionary() != null ? "a dictionary-encoded column" : f.getType().toString();
  }

  private void collectLabels(ArrowBatch batch, long firstRow) {
    FieldVector v = batch.root().getVector(label);
    if (v == null) {
      throw new MissingColumnException(label, "missing from batch " + (batches - 1) + " of the data");
    }
    FieldVector values = batch.dictionaryValues(v);
    if (values != null) {
      for (int i = 0; i < values.getValueCount(); i++) {
        if (!values.isNull(i)) {
          dictionaryNames.add(values.getObject(i).toString());
        }
      }
      return;
    }
    for (int r = 0; r < v.getValueCount(); r++) {
      if (v.isNull(r)) {
        throw new NullValueException(label, "row " + (firstRow + r + 1) + " of the table has no label");
      }
      if (v instanceof BaseIntVector integers) {
        // Classes by value, as scikit-learn takes them: labels 1, 2, 3 are three classes, not four
        // with an empty class 0, and codes such as 1000 and 2000 are two.
        integerLabels.add(integers.getValueAsLong(r));
        if (integerLabels.size() > MOST_CLASSES) {
          throw new LabelRangeException(label, "holds more than " + MOST_CLASSES + " distinct integer labels: too "
              + "many classes for a classifier; to predict a number use --task regression");
        }
      } else {
        String name = v.getObject(r).toString(); // a string, or a boolean named false or true
        if (name.isEmpty()) {
          // A CSV file's empty cell: a missing label, as an empty category is a missing one.
          throw new NullValueException(label, "row " + (firstRow + r + 1) + " of the table has no label (an empty "
              + "cell)");
        }
        names.add(name);
      }
    }
  }
}
