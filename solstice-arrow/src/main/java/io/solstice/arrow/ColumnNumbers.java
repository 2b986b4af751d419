package io.solstice.arrow;

import java.math.BigDecimal;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.Decimal256Vector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FloatingPointVector;

/**
 * A numeric column's values as doubles, the one way {@link FeatureSpec} reads a numeric feature
 * and a regression target: integers, floating point, decimals (the nearest double) and booleans
 * (false 0, true 1).
 */
public final class ColumnNumbers {

  private ColumnNumbers() {}

  /**
   * Whether a column holds numbers this class reads.
   *
   * @param column the column
   * @return true for an integer, floating-point, decimal or boolean column
   */
  public static boolean isNumeric(FieldVector column) {
    return column instanceof BaseIntVector || column instanceof FloatingPointVector || column instanceof BitVector
        || column instanceof DecimalVector || column instanceof Decimal256Vector;
  }

  /**
   * Whether a column can be a regression target: numbers, but not booleans and not a
   * dictionary's indices.
   *
   * @param column the column
   * @return true when {@link FeatureSpec} reads it as a target
   */
  public static boolean canBeTarget(FieldVector column) {
    return isNumeric(column) && !(column instanceof BitVector) && column.getField().getDictionary() == null;
  }

  /**
   * A row's value; the caller has checked that it is not null.
   *
   * @param column a numeric column ({@link #isNumeric})
   * @param row the row
   * @return the value
   */
  public static double value(FieldVector column, int row) {
    if (column instanceof BitVector bits) {
      return bits.get(row); // false 0, true 1
    }
    if (column instanceof DecimalVector || column instanceof Decimal256Vector) {
      return ((BigDecimal) column.getObject(row)).doubleValue(); // the nearest double
    }
    return column instanceof FloatingPointVector f ? f.getValueAsDouble(row)
        : ((BaseIntVector) column).getValueAsLong(row);
  }
}
