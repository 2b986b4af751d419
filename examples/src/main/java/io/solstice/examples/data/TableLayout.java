package io.solstice.examples.data;

import io.solstice.arrow.FeatureSpec;
import io.solstice.arrow.Standardization;
import io.solstice.core.metrics.FeatureMoments;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What a survey of a user's table found: which columns are features, how wide a row is, and
 * the label: the classes of a classification label, or a regression target.
 *
 * @param features the feature columns (one vector column, or numeric and categorical columns in
 *     order)
 * @param width the number of features per row: a categorical column counts one per category
 *     once its categories are known ({@link #withCategories}), and one before
 * @param label the label or target column
 * @param classNames the class names by class index (empty for regression)
 * @param byName whether labels map to classes by name (strings, booleans, dictionary entries, and
 *     integers by their value: every table {@code train} surveys) rather than being class indices
 *     already
 * @param regression whether the label is a real-valued target
 * @param rows the number of rows
 * @param nulls the feature columns that hold missing values (null or NaN), in column order
 * @param leftOut the columns the default feature choice left out, each with why (empty when
 *     the features were named)
 * @param categories the categorical feature columns, each with its categories (none until
 *     {@link #withCategories})
 * @param otherCategory the categorical columns that also have an other category (one more
 *     feature after their categories, for their rarer values and new ones), in column order
 */
public record TableLayout(
    List<String> features, int width, String label, List<String> classNames, boolean byName, boolean regression,
    long rows, Map<String, Rows> nulls, List<String> leftOut, Map<String, List<String>> categories,
    List<String> otherCategory) {

  /**
   * The rows of one feature column that hold one kind of value (missing, or infinite).
   *
   * @param rows how many rows hold it
   * @param firstRow the first of them, counting the table's rows from 0
   */
  public record Rows(long rows, long firstRow) {}

  /**
   * Where a table's missing or infinite values are, for a message: each column, how many rows
   * and the first one, counting from 1.
   *
   * @param byColumn the rows by column
   * @return for example "'x1' in 2 rows (the first is row 4)"
   */
  public static String where(Map<String, Rows> byColumn) {
    List<String> where = new ArrayList<>();
    byColumn.forEach((column, rows) -> where.add(String.format(Locale.ROOT, "'%s' in %d row%s (the first is row %d)",
        column, rows.rows(), rows.rows() == 1 ? "" : "s", rows.firstRow() + 1)));
    return String.join(", ", where);
  }

  /**
   * Freezes the lists.
   *
   * @param features see the record
   * @param width see the record
   * @param label see the record
   * @param classNames see the record
   * @param byName see the record
   * @param regression see the record
   * @param rows see the record
   * @param nulls see the record
   * @param leftOut see the record
   * @param categories see the record
   * @param otherCategory see the record
   */
  public TableLayout {
    features = List.copyOf(features);
    classNames = List.copyOf(classNames);
    nulls = Collections.unmodifiableMap(new LinkedHashMap<>(nulls));
    leftOut = List.copyOf(leftOut);
    Map<String, List<String>> frozen = new LinkedHashMap<>();
    categories.forEach((column, values) -> frozen.put(column, List.copyOf(values)));
    categories = Collections.unmodifiableMap(frozen);
    otherCategory = List.copyOf(otherCategory);
  }

  /**
   * This layout with the categories of its categorical columns: each one feature per category,
   * and one more for a column with an other category.
   *
   * @param found the categories by column ({@link Categories#ofTrainRows})
   * @return the layout
   * @throws UsageException when a categorical column has no category
   */
  public TableLayout withCategories(Map<String, Categories.Kept> found) {
    Map<String, List<String>> known = new LinkedHashMap<>();
    List<String> other = new ArrayList<>();
    for (String column : features) {
      if (!categories.containsKey(column)) {
        continue;
      }
      Categories.Kept kept = found.get(column);
      if (kept == null || kept.categories().isEmpty()) {
        throw new UsageException("categorical column '" + column + "' has no "
            + (kept != null && kept.other() ? "value in as many train rows as --min-frequency asks; lower it or"
                : "value in the train rows;")
            + " leave the column out with --features");
      }
      known.put(column, kept.categories());
      if (kept.other()) {
        other.add(column);
      }
    }
    int inputs = 0;
    for (String column : features) {
      inputs += known.containsKey(column) ? oneHotWidth(known, other, column) : 1;
    }
    return new TableLayout(features, known.isEmpty() ? width : inputs, label, classNames, byName, regression, rows,
        nulls, leftOut, known, other);
  }

  // A categorical column's features: one per category, and its other category's.
  private static int oneHotWidth(Map<String, List<String>> categories, List<String> otherCategory, String column) {
    return categories.get(column).size() + (otherCategory.contains(column) ? 1 : 0);
  }

  /**
   * The names of the model's inputs, one per feature: a numeric column's name, {@code
   * column=category} for each category of a categorical column (and {@code column=(other)} for its
   * other category), or {@code column[i]} for each element of a vector column.
   *
   * @return the names, {@link #width} of them
   */
  public List<String> inputNames() {
    List<String> names = new ArrayList<>();
    if (features.size() == 1 && !categories.containsKey(features.get(0)) && width != 1) {
      for (int i = 0; i < width; i++) {
        names.add(features.get(0) + "[" + i + "]");
      }
      return names;
    }
    for (String column : features) {
      if (categories.containsKey(column)) {
        categories.get(column).forEach(category -> names.add(column + "=" + category));
        if (otherCategory.contains(column)) {
          names.add(column + "=(other)");
        }
      } else {
        names.add(column);
      }
    }
    return names;
  }

  /**
   * The standardization fitted on the train rows' moments: each numeric feature's mean and
   * standard deviation, and the one-hot features of categorical columns left as they are (mean
   * 0, scale 1), as a scikit-learn pipeline scales the numbers and not the one-hot columns.
   *
   * @param moments the moments of every feature, one-hot ones included
   * @return the standardization
   */
  public Standardization standardization(FeatureMoments moments) {
    Standardization fitted = Standardization.of(moments);
    if (categories.isEmpty()) {
      return fitted;
    }
    double[] mean = fitted.mean();
    double[] scale = fitted.scale();
    int f = 0;
    for (String column : features) {
      int oneHot = categories.containsKey(column) ? oneHotWidth(categories, otherCategory, column) : 0;
      for (int end = f + oneHot; f < end; f++) {
        mean[f] = 0;
        scale[f] = 1;
      }
      f += oneHot == 0 ? 1 : 0;
    }
    return Standardization.of(mean, scale);
  }

  /**
   * The feature spec that turns this table's batches into tensors for training.
   *
   * @param standardization how to standardize the features, or null for raw features
   * @param fillNulls what null features become (one value, or one per feature), or null
   * @return the spec
   */
  public FeatureSpec featureSpec(Standardization standardization, double[] fillNulls) {
    return spec(fillNulls).standardize(standardization).build();
  }

  /**
   * The feature spec that reads raw features and labels in double precision, for fitting a
   * standardization.
   *
   * @param fillNulls what null features become (one value, or one per feature), or null
   * @return the spec
   */
  public FeatureSpec rawDoubleSpec(double[] fillNulls) {
    FeatureSpec.Builder spec = spec(fillNulls).featureType(DataType.DOUBLE);
    return regression ? spec.labelType(DataType.DOUBLE).build() : spec.build();
  }

  private FeatureSpec.Builder spec(double[] fillNulls) {
    FeatureSpec.Builder spec = FeatureSpec.builder().features(features.toArray(String[]::new));
    categories.forEach(spec::categories);
    otherCategory.forEach(spec::otherCategory);
    if (fillNulls != null) {
      spec.fillNulls(fillNulls);
    }
    if (regression) {
      return spec.target(label);
    }
    spec.label(label);
    return byName ? spec.classNames(classNames).integerLabelsAsNames() : spec.numClasses(classNames.size());
  }
}
