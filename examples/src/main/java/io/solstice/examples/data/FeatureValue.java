package io.solstice.examples.data;

import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;

/**
 * What one row of a numeric column holds, for the checks of {@code train} and {@code predict}: a
 * value, a missing one, or an infinity. A null is missing, and so is NaN, which is how pandas
 * and NumPy write a missing number (and what the ONNX export takes for one); an infinity is not
 * missing but no model can learn from it or predict from it. A vector column's row is missing or
 * infinite when any of its elements is.
 */
public enum FeatureValue {
  /** A finite number (or numbers, for a vector column). */
  PRESENT,
  /** A null, a null element, or NaN. */
  MISSING,
  /** An infinity, whatever else the row holds: filling its missing elements would not help. */
  INFINITE;

  /**
   * Whether any row of this column can be other than {@link #PRESENT}: a column with no nulls
   * and no floating-point values need not be read row by row.
   *
   * @param column a numeric or vector column
   * @return false when every row is present
   */
  public static boolean anyToCheck(FieldVector column) {
    FieldVector values = values(column);
    return column.getNullCount() > 0 || values != column && values.getNullCount() > 0
        || values instanceof FloatingPointVector;
  }

  /**
   * What a row holds.
   *
   * @param column a numeric column, or a list or fixed-size list column of numbers
   * @param row the row, from 0
   * @return the row's kind
   */
  public static FeatureValue of(FieldVector column, int row) {
    if (column.isNull(row)) {
      return MISSING;
    }
    FieldVector values = values(column);
    long from = row;
    long to = row + 1L;
    if (column instanceof FixedSizeListVector list) {
      from = (long) row * list.getListSize();
      to = from + list.getListSize();
    } else if (column instanceof ListVector list) {
      from = list.getOffsetBuffer().getInt(row * 4L);
      to = list.getOffsetBuffer().getInt((row + 1) * 4L);
    }
    FeatureValue kind = PRESENT;
    for (long i = from; i < to; i++) {
      if (values.isNull((int) i)) {
        kind = MISSING;
      } else if (values instanceof FloatingPointVector floats) {
        double value = floats.getValueAsDouble((int) i);
        if (Double.isInfinite(value)) {
          return INFINITE;
        }
        if (Double.isNaN(value)) {
          kind = MISSING;
        }
      }
    }
    return kind;
  }

  private static FieldVector values(FieldVector column) {
    return column instanceof FixedSizeListVector list ? list.getDataVector()
        : column instanceof ListVector list ? list.getDataVector() : column;
  }
}
