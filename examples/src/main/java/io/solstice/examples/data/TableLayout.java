package io.solstice.examples.data;

import io.solstice.arrow.FeatureSpec;
import java.util.List;

/**
 * What a survey of a user's table found: which columns are features, how wide a row is, the
 * classes of the label and how many batches the table has at the chosen batch size.
 *
 * @param features the feature columns (one vector column, or numeric columns in order)
 * @param width the number of features per row
 * @param label the label column
 * @param classNames the class names by class index
 * @param byName whether labels map to classes by name (string or dictionary labels) rather
 *     than being class indices already
 * @param batches the number of batches
 * @param rows the number of rows
 */
public record TableLayout(
    List<String> features, int width, String label, List<String> classNames, boolean byName, int batches, long rows) {

  /**
   * Freezes the lists.
   *
   * @param features see the record
   * @param width see the record
   * @param label see the record
   * @param classNames see the record
   * @param byName see the record
   * @param batches see the record
   * @param rows see the record
   */
  public TableLayout {
    features = List.copyOf(features);
    classNames = List.copyOf(classNames);
  }

  /**
   * The feature spec that turns this table's batches into tensors.
   *
   * @return the spec
   */
  public FeatureSpec featureSpec() {
    FeatureSpec.Builder spec = FeatureSpec.builder().features(features.toArray(String[]::new)).label(label);
    return byName ? spec.classNames(classNames).build() : spec.numClasses(classNames.size()).build();
  }
}
