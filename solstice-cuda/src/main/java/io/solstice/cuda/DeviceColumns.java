package io.solstice.cuda;

import java.util.Objects;

/**
 * Which columns of an {@code ArrowBatch} go to the device: one {@code FixedSizeList<Float32>}
 * feature column (a row-major matrix, copied as it is) and one signed integer label column
 * (Int8, Int16, Int32 or Int64, copied as it is), whose values must be class indices below
 * {@code classes}.
 *
 * @param features the feature column's name
 * @param label the label column's name
 * @param classes the number of classes, at least 2: labels outside [0, classes) are refused
 *     before they reach the device
 */
public record DeviceColumns(String features, String label, int classes) {

  /** Checks the names and the class count. */
  public DeviceColumns {
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(label, "label");
    if (features.equals(label)) {
      throw new IllegalArgumentException("features and label are the same column '" + label + "'");
    }
    if (classes < 2) {
      throw new IllegalArgumentException("a classifier needs at least 2 classes, was " + classes);
    }
  }
}
