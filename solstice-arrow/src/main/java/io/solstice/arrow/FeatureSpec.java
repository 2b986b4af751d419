package io.solstice.arrow;

import io.solstice.arrow.internal.ArrayFiller;
import io.solstice.arrow.internal.Validity;
import io.solstice.arrow.internal.ZeroCopy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.LargeVarCharVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Maps the columns of an {@link ArrowBatch} to a feature matrix and a label vector.
 *
 * <p>Features come from either one {@code FixedSizeList<Float32>} (or {@code <Float64>})
 * column, which is already a row-major matrix and is wrapped as an INDArray [rows, width]
 * <b>without copying</b> (also a {@code List<Float32>} column whose rows all have the same
 * length, which is how Parquet returns fixed-size lists), or from several numeric columns
 * (integer, floating point, decimal, or boolean as 0 and 1), which are gathered in one pass into
 * a [rows, k] FLOAT array. Dtypes change only where
 * {@link Builder#featureType} asks (which makes the list path copy).
 *
 * <p>A string or dictionary-encoded string column named by {@link Builder#categories} is a
 * categorical feature: it is one-hot encoded in place, one feature per category, in the
 * categories' order. A value that is not one of the categories, or null, gives a row of zeros,
 * as scikit-learn's {@code OneHotEncoder(handle_unknown="ignore")} does; with {@link
 * Builder#otherCategory} it goes to one more feature instead, as the infrequent categories of
 * {@code OneHotEncoder(max_categories=..., handle_unknown="infrequent_if_exist")} do.
 *
 * <p>With {@link Builder#standardize} every feature is standardized as it is read, in double
 * precision before any conversion to FLOAT (which makes the list path copy too).
 *
 * <p>Labels are either class indices ({@link Builder#label}: an integer column, a boolean column
 * (false 0, true 1, or by the names "false" and "true" with {@link Builder#classNames}), a
 * dictionary-encoded string column, or a string column with {@link Builder#classNames}), as
 * INT64 [rows] or one-hot FLOAT [rows, numClasses], or regression targets
 * ({@link Builder#target}: a numeric column, as [rows] of its floating type).
 *
 * <p>Wrapped arrays alias Arrow memory: an in-place op on them changes the batch (and, for
 * {@link ArrowSources#roots in-memory sources}, the caller's roots); use {@code dup()} to get a
 * private copy.
 *
 * <p>Bad data raises an {@link ArrowDataException} subclass naming the column. Immutable and
 * thread-safe.
 */
public final class FeatureSpec {
  private final List<String> featureColumns;
  private final int width;
  private final DataType featureType;
  // Null features become these: one value for every feature, or one per feature; null: none.
  private final double[] fillValues;
  private final String labelColumn;
  private final boolean regression;
  private final int numClasses;
  private final List<String> classNames;
  private final boolean oneHot;
  private final boolean integerLabelsAsNames;
  private final DataType labelType;
  private final Standardization standardization;
  // Categorical feature columns: their categories, in the order of their one-hot features.
  private final Map<String, List<String>> categories;
  // The categorical columns with one more feature, for any value present and not a category.
  private final Set<String> otherCategory;

  private FeatureSpec(Builder b) {
    this.featureColumns = List.copyOf(b.featureColumns);
    this.width = b.width;
    this.featureType = b.featureType;
    this.fillValues = b.fillValues;
    this.labelColumn = b.labelColumn;
    this.regression = b.regression;
    this.classNames = b.classNames == null ? List.of() : List.copyOf(b.classNames);
    this.numClasses = b.numClasses > 0 ? b.numClasses : this.classNames.size();
    this.oneHot = b.oneHot;
    this.integerLabelsAsNames = b.integerLabelsAsNames;
    this.labelType = b.labelType;
    this.standardization = b.standardization;
    this.categories = Collections.unmodifiableMap(new LinkedHashMap<>(b.categories));
    this.otherCategory = Set.copyOf(b.otherCategory);
  }

  /**
   * A new builder.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Turns a batch into tensors. The result owns the batch: close the result, not the batch.
   * If this throws, the batch has been closed.
   *
   * @param batch an open batch
   * @return the tensors, owning the batch
   * @throws ArrowDataException if the batch does not fit the spec
   */
  public ArrowTensorBatch toTensors(ArrowBatch batch) {
    List<Runnable> releases = new ArrayList<>();
    INDArray features = null;
    INDArray labels = null;
    try {
      VectorSchemaRoot root = batch.root();
      int rows = root.getRowCount();
      features = features(batch, rows, releases);
      List<String> names = new ArrayList<>(classNames);
      labels = regression ? target(root, rows, releases) : classLabels(batch, root, rows, names);
      return new ArrowTensorBatch(features, labels, names, batch, releases);
    } catch (RuntimeException | Error e) {
      for (INDArray a : new INDArray[] {features, labels}) {
        if (a != null && a.closeable()) {
          a.close();
        }
      }
      releases.forEach(Runnable::run);
      batch.close();
      throw e;
    }
  }

  /**
   * Applies {@code use} to the batch's feature matrix, for prediction: the matrix is made as
   * {@link #toTensors} makes it (without copying where the layout allows), the label column is
   * not read (it may be absent), and the matrix is released when {@code use} returns, so {@code
   * use} must not keep it. The batch stays the caller's.
   *
   * @param batch an open batch
   * @param use what to compute from the features [rows, width]
   * @param <T> the result type
   * @return what {@code use} returned
   * @throws ArrowDataException if the feature columns do not fit the spec
   */
  public <T> T withFeatures(ArrowBatch batch, Function<? super INDArray, ? extends T> use) {
    List<Runnable> releases = new ArrayList<>();
    INDArray features = null;
    try {
      VectorSchemaRoot root = batch.root();
      features = features(batch, batch.root().getRowCount(), releases);
      return use.apply(features);
    } finally {
      if (features != null && features.closeable()) {
        features.close();
      }
      releases.forEach(Runnable::run);
    }
  }

  private INDArray features(ArrowBatch batch, int rows, List<Runnable> releases) {
    VectorSchemaRoot root = batch.root();
    FieldVector first = column(root, featureColumns.get(0));
    if (featureColumns.size() == 1 && categories.isEmpty() && first instanceof FixedSizeListVector list) {
      return listFeatures(list, rows, releases);
    } else if (featureColumns.size() == 1 && categories.isEmpty() && first instanceof ListVector list) {
      return uniformListFeatures(list, rows, releases);
    }
    return gatherFeatures(batch, rows);
  }

  private static FieldVector column(VectorSchemaRoot root, String name) {
    FieldVector v = root.getVector(name);
    if (v == null) {
      List<String> present = root.getSchema().getFields().stream().map(f -> f.getName()).toList();
      throw MissingColumnException.notAmong(name, "not in the batch", present);
    }
    return v;
  }

  private INDArray listFeatures(FixedSizeListVector list, int rows, List<Runnable> releases) {
    String name = list.getName();
    int w = list.getListSize();
    if (width > 0 && w != width) {
      throw new ListWidthException(name, "expected fixed-size lists of width " + width + " but found width " + w);
    }
    FieldVector child = list.getDataVector();
    DataType natural;
    if (child instanceof Float4Vector) {
      natural = DataType.FLOAT;
    } else if (child instanceof Float8Vector) {
      natural = DataType.DOUBLE;
    } else {
      throw new ColumnTypeException(name, "expected FixedSizeList<Float32> or FixedSizeList<Float64> but found "
          + "FixedSizeList<" + child.getField().getType() + ">");
    }
    boolean hasNulls = Validity.hasNulls(list) || Validity.hasNulls(child);
    if (hasNulls && fillValues == null) {
      throw new NullValueException(name, "row " + firstNullRow(list, child, w) + " holds a null feature; "
          + "clean the data or configure FeatureSpec.Builder.fillNulls(value)");
    }
    checkStandardizationWidth(name, w);
    checkFillWidth(name, w);
    DataType wanted = featureType == null ? natural : featureType;
    long[] shape = {rows, w};
    FloatingPointVector values = (FloatingPointVector) child;
    boolean missing = hasNulls || fillValues != null && holdsNaN(values, 0, rows * w);
    if (!missing && wanted == natural && standardization == null) {
      return ZeroCopy.wrap(child.getDataBuffer(), name, natural, shape, releases);
    }
    ArrayFiller out = new ArrayFiller(wanted, shape);
    for (int r = 0; r < rows; r++) {
      boolean rowNull = list.isNull(r);
      for (int c = 0; c < w; c++) {
        int i = r * w + c;
        out.put(i, scaled(c, rowNull ? fill(c) : valueOrFill(values, i, c)));
      }
    }
    return out.array();
  }

  /**
   * A variable-size list column whose rows all have the same length (what Parquet gives back
   * for a fixed-size list) is a matrix too: its values are contiguous from the first offset.
   */
  private INDArray uniformListFeatures(ListVector list, int rows, List<Runnable> releases) {
    String name = list.getName();
    FieldVector child = list.getDataVector();
    DataType natural = child instanceof Float4Vector ? DataType.FLOAT : child instanceof Float8Vector ? DataType.DOUBLE : null;
    if (natural == null) {
      throw new ColumnTypeException(name, "expected List<Float32> or List<Float64> of one width but found "
          + "List<" + child.getField().getType() + ">");
    }
    int start = rows == 0 ? 0 : list.getOffsetBuffer().getInt(0);
    int w = uniformWidth(list, rows);
    boolean hasNulls = false;
    for (int r = 0; r < rows; r++) {
      if (list.isNull(r)) {
        // A null row holds no values of its own, whatever its length: all of it is missing.
        if (fillValues == null) {
          throw new NullValueException(name, "row " + r + " is a null list");
        }
        hasNulls = true;
        continue;
      }
      int from = list.getOffsetBuffer().getInt(r * 4L);
      int length = list.getOffsetBuffer().getInt((r + 1) * 4L) - from;
      if (length != w) {
        throw new ListWidthException(name, "expected every row to have " + w + " values but row " + r + " has "
            + length);
      }
      for (int i = from; i < from + w; i++) {
        if (child.isNull(i)) {
          if (fillValues == null) {
            throw new NullValueException(name, "row " + r + " holds a null feature");
          }
          hasNulls = true;
        }
      }
    }
    checkStandardizationWidth(name, w);
    checkFillWidth(name, w);
    DataType wanted = featureType == null ? natural : featureType;
    long[] shape = {rows, w};
    FloatingPointVector values = (FloatingPointVector) child;
    boolean missing = hasNulls || fillValues != null && holdsNaN(values, start, start + rows * w);
    if (wanted == natural && standardization == null && !missing) {
      return ZeroCopy.wrap(child.getDataBuffer(), (long) start * natural.width(), name, natural, shape, releases);
    }
    ArrayFiller out = new ArrayFiller(wanted, shape);
    for (int r = 0; r < rows; r++) {
      boolean rowNull = list.isNull(r);
      int from = list.getOffsetBuffer().getInt(r * 4L);
      for (int c = 0; c < w; c++) {
        out.put(r * w + c, scaled(c, rowNull ? fill(c) : valueOrFill(values, from + c, c)));
      }
    }
    return out.array();
  }

  /**
   * The width of a uniform list column: the configured width, else the length of its first row
   * that is not null (a null row's length says nothing).
   */
  private int uniformWidth(ListVector list, int rows) {
    for (int r = 0; r < rows; r++) {
      if (!list.isNull(r)) {
        int w = list.getOffsetBuffer().getInt((r + 1) * 4L) - list.getOffsetBuffer().getInt(r * 4L);
        if (width > 0 && w != width) {
          throw new ListWidthException(list.getName(), "expected lists of width " + width + " but row " + r
              + " has " + w + " values");
        }
        return w;
      }
    }
    return Math.max(width, 0);
  }

  /** Whether a value from {@code from} to {@code to} (exclusive) that is not null is NaN. */
  private static boolean holdsNaN(FloatingPointVector values, int from, int to) {
    ValueVector vector = (ValueVector) values;
    for (int i = from; i < to; i++) {
      if (!vector.isNull(i) && Double.isNaN(values.getValueAsDouble(i))) {
        return true;
      }
    }
    return false;
  }

  /** Element {@code i} of a vector column, or feature {@code feature}'s fill where it is missing. */
  private double valueOrFill(FloatingPointVector values, int i, int feature) {
    if (((ValueVector) values).isNull(i)) {
      return fill(feature);
    }
    double value = values.getValueAsDouble(i);
    return Double.isNaN(value) && fillValues != null ? fill(feature) : value;
  }

  private static int firstNullRow(FixedSizeListVector list, ValueVector child, int w) {
    for (int r = 0; r < list.getValueCount(); r++) {
      if (list.isNull(r)) {
        return r;
      }
      for (int c = 0; c < w; c++) {
        if (child.isNull(r * w + c)) {
          return r;
        }
      }
    }
    return -1;
  }

  private INDArray gatherFeatures(ArrowBatch batch, int rows) {
    VectorSchemaRoot root = batch.root();
    int columnCount = featureColumns.size();
    List<FieldVector> columns = new ArrayList<>(columnCount);
    // Per column: its first feature, and for a categorical column each row's category index.
    int[] firstFeature = new int[columnCount];
    CategoryIndex[] categoryIndex = new CategoryIndex[columnCount];
    int k = 0;
    for (int c = 0; c < columnCount; c++) {
      String name = featureColumns.get(c);
      FieldVector v = column(root, name);
      firstFeature[c] = k;
      if (categories.containsKey(name)) {
        categoryIndex[c] = CategoryIndex.of(batch, v, categories.get(name), otherCategory.contains(name));
        k += oneHotWidth(name);
      } else {
        if (v.getField().getDictionary() != null
            || !ColumnNumbers.isNumeric(v)) {
          throw new ColumnTypeException(name, "expected a numeric column (integer, floating point, decimal or boolean) "
              + (columnCount == 1 ? "or a FixedSizeList<Float32> column " : "") + "but found "
              + (v.getField().getDictionary() != null ? "a dictionary-encoded column" : v.getField().getType())
              + (isText(v) ? "; to one-hot encode it, give its categories with FeatureSpec.Builder.categories" : ""));
        }
        k++;
      }
      columns.add(v);
    }
    checkStandardizationWidth(null, k);
    checkFillWidth(null, k);
    DataType wanted = featureType == null ? DataType.FLOAT : featureType;
    ArrayFiller out = new ArrayFiller(wanted, rows, k);
    for (int c = 0; c < columnCount; c++) {
      FieldVector v = columns.get(c);
      int f = firstFeature[c];
      if (categoryIndex[c] != null) {
        int width = oneHotWidth(v.getName());
        for (int r = 0; r < rows; r++) {
          int hot = categoryIndex[c].of(r);
          for (int i = 0; i < width; i++) {
            out.put(r * k + f + i, scaled(f + i, i == hot ? 1 : 0));
          }
        }
        continue;
      }
      for (int r = 0; r < rows; r++) {
        double value;
        if (v.isNull(r)) {
          if (fillValues == null) {
            throw new NullValueException(v.getName(), "row " + r + " is null; clean the data or configure "
                + "FeatureSpec.Builder.fillNulls(value)");
          }
          value = fill(f);
        } else {
          value = ColumnNumbers.value(v, r);
          if (Double.isNaN(value) && fillValues != null) {
            value = fill(f);
          }
        }
        out.put(r * k + f, scaled(f, value));
      }
    }
    return out.array();
  }

  // A categorical column's features: one per category, and the other category's.
  private int oneHotWidth(String column) {
    return categories.get(column).size() + (otherCategory.contains(column) ? 1 : 0);
  }

  private static boolean isText(FieldVector v) {
    return v instanceof VarCharVector || v instanceof LargeVarCharVector || v.getField().getDictionary() != null;
  }

  /**
   * Each row's category in a categorical column, as an index into the categories; -1 for a null
   * or a value that is not one of them. With an other category, a value that is present (neither
   * null nor empty) and not one of them is the index past the categories. A dictionary-encoded
   * column is mapped once per batch, by its dictionary's entries; other columns row by row, by
   * their {@link ColumnText}.
   */
  private interface CategoryIndex {
    int of(int row);

    static CategoryIndex of(ArrowBatch batch, FieldVector column, List<String> categories, boolean other) {
      Map<String, Integer> byName = new HashMap<>();
      for (int i = 0; i < categories.size(); i++) {
        byName.put(categories.get(i), i);
      }
      int unknown = other ? categories.size() : -1;
      ToIntFunction<String> indexOf = value -> value == null || other && value.isEmpty() ? -1
          : byName.getOrDefault(value, unknown);
      FieldVector values = batch.dictionaryValues(column);
      if (values != null) {
        int[] category = new int[values.getValueCount()];
        for (int i = 0; i < category.length; i++) {
          Object value = values.getObject(i);
          category[i] = indexOf.applyAsInt(value == null ? null : value.toString());
        }
        return row -> {
          int entry = ColumnText.dictionaryEntry(column, row, category.length);
          return entry < 0 ? -1 : category[entry];
        };
      }
      // Integers are compared as their decimal text: categories that are all digits in this
      // file, such as codes that a CSV reader took for numbers.
      if (column instanceof VarCharVector || column instanceof LargeVarCharVector
          || column instanceof BaseIntVector) {
        ColumnText text = ColumnText.of(batch, column);
        return row -> indexOf.applyAsInt(text.at(row));
      }
      throw new ColumnTypeException(column.getName(), "expected a string, dictionary-encoded or integer column for "
          + "its categories but found " + column.getField().getType());
    }
  }

  private double scaled(int feature, double value) {
    return standardization == null ? value : standardization.apply(feature, value);
  }

  /** The standardization must have one mean and scale per feature (column: a list column, or null). */
  private double fill(int feature) {
    return fillValues.length == 1 ? fillValues[0] : fillValues[feature];
  }

  private void checkFillWidth(String column, int width) {
    if (fillValues != null && fillValues.length != 1 && fillValues.length != width) {
      throw new ArrowDataException(column, fillValues.length + " fill values were given for nulls but the batch has "
          + width + " features", null);
    }
  }

  private void checkStandardizationWidth(String column, int width) {
    if (standardization != null && standardization.width() != width) {
      throw new ArrowDataException(column, "the standardization was fitted on " + standardization.width()
          + " features but the batch has " + width, null);
    }
  }

  private INDArray target(VectorSchemaRoot root, int rows, List<Runnable> releases) {
    FieldVector v = column(root, labelColumn);
    if (!ColumnNumbers.canBeTarget(v)) {
      throw new ColumnTypeException(labelColumn, "expected a numeric regression target but found "
          + v.getField().getType());
    }
    if (Validity.hasNulls(v)) {
      throw new NullValueException(labelColumn, "holds " + v.getNullCount() + " null targets");
    }
    DataType natural = v instanceof Float8Vector ? DataType.DOUBLE : DataType.FLOAT;
    DataType wanted = labelType == null ? natural : labelType;
    if (v instanceof Float4Vector && wanted == DataType.FLOAT || v instanceof Float8Vector && wanted == DataType.DOUBLE) {
      return ZeroCopy.wrap(v.getDataBuffer(), labelColumn, wanted, new long[] {rows}, releases);
    }
    ArrayFiller out = new ArrayFiller(wanted, rows);
    for (int r = 0; r < rows; r++) {
      out.put(r, ColumnNumbers.value(v, r));
    }
    return out.array();
  }

  private INDArray classLabels(ArrowBatch batch, VectorSchemaRoot root, int rows, List<String> names) {
    FieldVector v = column(root, labelColumn);
    FieldVector values = batch.dictionaryValues(v);
    int[] remap = null;
    int classes = numClasses;
    if (values != null) {
      List<String> dictNames = new ArrayList<>(values.getValueCount());
      for (int i = 0; i < values.getValueCount(); i++) {
        Object o = values.getObject(i);
        dictNames.add(o == null ? null : o.toString());
      }
      if (classNames.isEmpty()) {
        names.addAll(dictNames);
        classes = numClasses > 0 ? numClasses : dictNames.size();
      } else {
        remap = remapTo(dictNames);
      }
    } else if (v instanceof VarCharVector || v instanceof LargeVarCharVector) {
      if (classNames.isEmpty()) {
        throw new ColumnTypeException(labelColumn, "holds plain strings; dictionary-encode it or configure "
            + "FeatureSpec.Builder.classNames(...) to map names to class indices");
      }
      return byName(v, rows, classes);
    } else if (v instanceof BitVector && !classNames.isEmpty()) {
      return byName(v, rows, classes); // named "false" and "true"
    } else if (v instanceof BaseIntVector && integerLabelsAsNames) {
      if (classNames.isEmpty()) {
        throw new IllegalStateException("integerLabelsAsNames needs the classNames to look the labels up in");
      }
      return byName(v, rows, classes); // named by their decimal text
    } else if (!(v instanceof BaseIntVector || v instanceof BitVector)) {
      throw new ColumnTypeException(labelColumn, "expected integer class indices or a dictionary-encoded string "
          + "column but found " + v.getField().getType() + (regressionHint(v) ? "; for real-valued targets use "
          + "FeatureSpec.Builder.target(column)" : ""));
    }
    // Class indices: integers, or booleans as 0 (false) and 1 (true).
    BaseIntVector indices = v instanceof BaseIntVector integers ? integers : null;
    if (oneHot && classes <= 0) {
      throw new IllegalStateException("one-hot labels need the number of classes: set numClasses or classNames");
    }
    ArrayFiller out = oneHot ? new ArrayFiller(DataType.FLOAT, rows, classes) : new ArrayFiller(labelType(), rows);
    if (oneHot) {
      out.array().assign(0);
    }
    for (int r = 0; r < rows; r++) {
      if (v.isNull(r)) {
        throw new NullValueException(labelColumn, "row " + r + " has no label");
      }
      long index = indices != null ? indices.getValueAsLong(r) : ((BitVector) v).get(r);
      if (remap != null) {
        long stored = index;
        index = stored >= 0 && stored < remap.length ? remap[(int) stored] : -1;
        if (index < 0 && stored >= 0 && stored < remap.length) {
          throw new LabelRangeException(labelColumn, "row " + r + " has label '" + values.getObject((int) stored)
              + "', which is not one of " + classNames);
        }
      }
      checkRange(r, index, classes);
      if (oneHot) {
        out.put((int) (r * (long) classes + index), 1);
      } else {
        out.put(r, index);
      }
    }
    return out.array();
  }

  private static boolean regressionHint(FieldVector v) {
    return v instanceof FloatingPointVector;
  }

  private DataType labelType() {
    return labelType == null ? DataType.INT64 : labelType;
  }

  private int[] remapTo(List<String> dictNames) {
    Map<String, Integer> byName = new HashMap<>();
    for (int i = 0; i < classNames.size(); i++) {
      byName.put(classNames.get(i), i);
    }
    int[] remap = new int[dictNames.size()];
    for (int i = 0; i < remap.length; i++) {
      Integer target = byName.get(dictNames.get(i));
      remap[i] = target == null ? -1 : target;
    }
    return remap;
  }

  /** Labels mapped to classes by name: strings, or booleans as "false" and "true". */
  private INDArray byName(FieldVector labels, int rows, int classes) {
    Map<String, Integer> byName = new HashMap<>();
    for (int i = 0; i < classNames.size(); i++) {
      byName.put(classNames.get(i), i);
    }
    ArrayFiller out = oneHot ? new ArrayFiller(DataType.FLOAT, rows, classes) : new ArrayFiller(labelType(), rows);
    if (oneHot) {
      out.array().assign(0);
    }
    for (int r = 0; r < rows; r++) {
      if (labels.isNull(r)) {
        throw new NullValueException(labelColumn, "row " + r + " has no label");
      }
      String name = labels instanceof BaseIntVector integers ? Long.toString(integers.getValueAsLong(r))
          : labels.getObject(r).toString();
      Integer index = byName.get(name);
      if (index == null) {
        throw new LabelRangeException(labelColumn, "row " + r + " has label '" + name + "', which is not one of "
            + classNames);
      }
      out.put(oneHot ? r * classes + index : r, oneHot ? 1 : index);
    }
    return out.array();
  }

  private void checkRange(int row, long index, int classes) {
    if (index < 0 || (classes > 0 && index >= classes)) {
      throw new LabelRangeException(labelColumn, "row " + row + " has class " + index + ", expected 0 <= class < "
          + (classes > 0 ? classes : "numClasses") + (classNames.isEmpty() ? "" : " " + classNames));
    }
  }

  /** Builds a {@link FeatureSpec}. */
  public static final class Builder {
    private final List<String> featureColumns = new ArrayList<>();
    private int width;
    private DataType featureType;
    private double[] fillValues;
    private String labelColumn;
    private boolean regression;
    private int numClasses;
    private List<String> classNames;
    private boolean oneHot;
    private boolean integerLabelsAsNames;
    private DataType labelType;
    private Standardization standardization;
    private final Map<String, List<String>> categories = new LinkedHashMap<>();
    private final Set<String> otherCategory = new HashSet<>();

    private Builder() {}

    /**
     * The feature columns: one {@code FixedSizeList<Float32|Float64>} column (wrapped without
     * copying), or one or more numeric columns (gathered, in this order).
     *
     * @param columns the column names
     * @return this builder
     */
    public Builder features(String... columns) {
      featureColumns.clear();
      featureColumns.addAll(List.of(columns));
      return this;
    }

    /**
     * Makes a feature column categorical: its values (strings, a dictionary-encoded column's
     * values, or integers as their decimal text) are one-hot encoded, one feature per category
     * in this order, in the column's place among the features. A null, or a value that is not
     * one of the categories, gives a row of zeros. {@link #standardize} and {@link #fillNulls} count these features like any
     * other (a standardization fitted with mean 0 and scale 1 on them leaves them 0 and 1); a
     * null in this column is not filled.
     *
     * @param column a feature column
     * @param categories its categories, distinct, at least one
     * @return this builder
     * @throws IllegalArgumentException when the categories are empty, hold a null or repeat one
     */
    public Builder categories(String column, List<String> categories) {
      Objects.requireNonNull(column, "column");
      if (categories.isEmpty()) {
        throw new IllegalArgumentException("categorical column '" + column + "' needs at least one category");
      }
      if (categories.stream().anyMatch(Objects::isNull) || new HashSet<>(categories).size() != categories.size()) {
        throw new IllegalArgumentException("the categories of '" + column + "' must be distinct and not null, got "
            + categories);
      }
      this.categories.put(column, List.copyOf(categories));
      return this;
    }

    /**
     * Gives a categorical column one more feature, after its categories: 1 for a value that is
     * present (neither null nor empty) and not one of the categories, 0 otherwise. The categories
     * a model was trained with then stand for the frequent values, and this feature for the rare
     * ones grouped together, and for any value never seen in training.
     *
     * @param column a column given {@link #categories}
     * @return this builder
     */
    public Builder otherCategory(String column) {
      otherCategory.add(Objects.requireNonNull(column, "column"));
      return this;
    }

    /**
     * The width a fixed-size list feature column must have; 0 accepts any.
     *
     * @param expectedWidth the list width
     * @return this builder
     */
    public Builder width(int expectedWidth) {
      this.width = expectedWidth;
      return this;
    }

    /**
     * Converts features to this type (FLOAT or DOUBLE). Default: the list's own element type,
     * FLOAT for gathered columns. A conversion makes the list path copy.
     *
     * @param type the feature type
     * @return this builder
     */
    public Builder featureType(DataType type) {
      if (type != DataType.FLOAT && type != DataType.DOUBLE) {
        throw new IllegalArgumentException("feature type must be FLOAT or DOUBLE, got " + type);
      }
      this.featureType = type;
      return this;
    }

    /**
     * Replaces missing feature values by a value, before any standardization: a null in a
     * feature column, a null element of a vector column, a whole null vector, and NaN (how pandas
     * and NumPy write a missing number); this makes the list path copy a batch that holds one.
     * Without it a null feature raises {@link NullValueException}, and NaN stays NaN (for the
     * engine's non-finite policy to see).
     *
     * @param values one value for every feature, or one per feature (per column of a
     *     multi-column spec, per element of a vector column)
     * @return this builder
     * @throws IllegalArgumentException when no value is given
     */
    public Builder fillNulls(double... values) {
      if (values.length == 0) {
        throw new IllegalArgumentException("fillNulls needs one value, or one per feature");
      }
      this.fillValues = values.clone();
      return this;
    }

    /**
     * The class label column: integer class indices, booleans (false 0, true 1), a
     * dictionary-encoded string column, or strings (or booleans) named by {@link #classNames}.
     *
     * @param column the column name
     * @return this builder
     */
    public Builder label(String column) {
      this.labelColumn = Objects.requireNonNull(column, "column");
      this.regression = false;
      return this;
    }

    /**
     * A numeric regression target column instead of class labels.
     *
     * @param column the column name
     * @return this builder
     */
    public Builder target(String column) {
      this.labelColumn = Objects.requireNonNull(column, "column");
      this.regression = true;
      return this;
    }

    /**
     * The number of classes; labels outside [0, n) raise {@link LabelRangeException}. With
     * {@link #classNames}, it may not be fewer than the names (each name is a class index).
     *
     * @param n the class count
     * @return this builder
     */
    public Builder numClasses(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("numClasses must be >= 1, got " + n);
      }
      this.numClasses = n;
      return this;
    }

    /**
     * The class names in class-index order. Dictionary-encoded labels are mapped by name to
     * these indices (so files whose dictionaries list the classes in different orders agree);
     * plain string labels are mapped by name.
     *
     * @param names the class names
     * @return this builder
     */
    public Builder classNames(List<String> names) {
      this.classNames = List.copyOf(names);
      return this;
    }

    /**
     * Reads an integer label column's values as class names, their decimal text looked up in
     * {@link #classNames}, as string labels are, rather than as class indices: labels 1, 2 and 3
     * (or codes 1000 and 2000) are then the classes their names give, with no empty class 0.
     * Dictionary-encoded and other label columns are read as before.
     *
     * @return this builder
     */
    public Builder integerLabelsAsNames() {
      this.integerLabelsAsNames = true;
      return this;
    }

    /**
     * Emits labels one-hot, FLOAT [rows, numClasses], instead of class indices.
     *
     * @param enabled whether to one-hot encode
     * @return this builder
     */
    public Builder oneHot(boolean enabled) {
      this.oneHot = enabled;
      return this;
    }

    /**
     * The label array type: default INT64 for class indices and the column's floating type for
     * targets.
     *
     * @param type FLOAT, DOUBLE, INT32 or INT64
     * @return this builder
     */
    public Builder labelType(DataType type) {
      this.labelType = type;
      return this;
    }

    /**
     * Standardizes every feature with fitted means and scales (see {@link Standardization}).
     *
     * @param standardization the standardization, one mean and scale per feature; null for none
     * @return this builder
     */
    public Builder standardize(Standardization standardization) {
      this.standardization = standardization;
      return this;
    }

    /**
     * Builds the spec.
     *
     * @return the spec
     */
    public FeatureSpec build() {
      if (featureColumns.isEmpty()) {
        throw new IllegalStateException("name the feature columns with features(...)");
      }
      if (labelColumn == null) {
        throw new IllegalStateException("name the label column with label(...) or target(...)");
      }
      for (String column : categories.keySet()) {
        if (!featureColumns.contains(column)) {
          throw new IllegalStateException("categories were given for '" + column + "', which is not one of the "
              + "feature columns " + featureColumns);
        }
      }
      for (String column : otherCategory) {
        if (!categories.containsKey(column)) {
          throw new IllegalStateException("an other category was asked for '" + column + "', which has no "
              + "categories(...)");
        }
        if (categories.get(column).contains("")) {
          // An empty value is a missing one, never "other": it cannot be a category besides.
          throw new IllegalStateException("the categories of '" + column + "' hold an empty string, which with an "
              + "other category is a missing value");
        }
      }
      if (oneHot && regression) {
        throw new IllegalStateException("one-hot applies to class labels, not regression targets");
      }
      if (classNames != null && numClasses > 0 && numClasses < classNames.size()) {
        // A name past the count would be a class index out of range, and a one-hot row of the
        // wrong width.
        throw new IllegalStateException("numClasses(" + numClasses + ") is fewer than the " + classNames.size()
            + " classNames " + classNames);
      }
      return new FeatureSpec(this);
    }
  }
}
