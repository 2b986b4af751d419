package io.solstice.examples.job;

import java.util.List;
import java.util.Objects;

/**
 * What a classifier job trains on.
 *
 * @param source opens each split
 * @param inputs the number of features per row
 * @param classNames the class names by class index (their count is the number of classes)
 * @param testName how the report calls the test split (for example "test" or "held-out")
 */
public record JobData(SplitSource source, int inputs, List<String> classNames, String testName) {

  /**
   * Validates the fields.
   *
   * @param source see the record
   * @param inputs see the record
   * @param classNames see the record
   * @param testName see the record
   */
  public JobData {
    Objects.requireNonNull(source, "source");
    classNames = List.copyOf(classNames);
    if (inputs <= 0 || classNames.size() < 2) {
      throw new IllegalArgumentException(
          "a classifier needs at least one feature and two classes, got " + inputs + " and " + classNames);
    }
  }
}
