package io.solstice.examples.data;

import io.solstice.arrow.FeatureSpec;
import io.solstice.arrow.Standardization;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What a survey of a user's table found: which columns are features, how wide a row is, and
 * the label: the classes of a classification label, or a regression target.
 *
 * @param features the feature columns (one vector column, or numeric columns in order)
 * @param width the number of features per row
 * @param label the label or target column
 * @param classNames the class names by class index (empty for regression)
 * @param byName whether labels map to classes by name (string or dictionary labels) rather
 *     than being class indices already
 * @param regression whether the label is a real-valued target
 * @param rows the number of rows
 * @param nulls the feature columns that hold nulls, in column order
 * @param leftOut the columns the default feature choice left out, each with why (empty when
 *     the features were named)
 */
public record TableLayout(
    List<String> features, int width, String label, List<String> classNames, boolean byName, boolean regression,
    long rows, Map<String, Nulls> nulls, List<String> leftOut) {

  /**
   * The nulls of one feature column.
   *
   * @param rows how many rows hold a null in it
   * @param firstRow the first of them, counting the table's rows from 0
   */
  public record Nulls(long rows, long firstRow) {}

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
   */
  public TableLayout {
    features = List.copyOf(features);
    classNames = List.copyOf(classNames);
    nulls = Collections.unmodifiableMap(new LinkedHashMap<>(nulls));
    leftOut = List.copyOf(leftOut);
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
    if (fillNulls != null) {
      spec.fillNulls(fillNulls);
    }
    if (regression) {
      return spec.target(label);
    }
    spec.label(label);
    return byName ? spec.classNames(classNames) : spec.numClasses(classNames.size());
  }
}
