package io.solstice.examples.data;

import io.solstice.arrow.FeatureSpec;
import io.solstice.arrow.Standardization;
import java.util.List;
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
 */
public record TableLayout(
    List<String> features, int width, String label, List<String> classNames, boolean byName, boolean regression,
    long rows) {

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
   */
  public TableLayout {
    features = List.copyOf(features);
    classNames = List.copyOf(classNames);
  }

  /**
   * The feature spec that turns this table's batches into tensors for training.
   *
   * @param standardization how to standardize the features, or null for raw features
   * @return the spec
   */
  public FeatureSpec featureSpec(Standardization standardization) {
    return spec().standardize(standardization).build();
  }

  /**
   * The feature spec that reads raw features and labels in double precision, for fitting a
   * standardization.
   *
   * @return the spec
   */
  public FeatureSpec rawDoubleSpec() {
    FeatureSpec.Builder spec = spec().featureType(DataType.DOUBLE);
    return regression ? spec.labelType(DataType.DOUBLE).build() : spec.build();
  }

  private FeatureSpec.Builder spec() {
    FeatureSpec.Builder spec = FeatureSpec.builder().features(features.toArray(String[]::new));
    if (regression) {
      return spec.target(label);
    }
    spec.label(label);
    return byName ? spec.classNames(classNames) : spec.numClasses(classNames.size());
  }
}
