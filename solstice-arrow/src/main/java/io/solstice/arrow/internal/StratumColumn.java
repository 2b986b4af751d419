package io.solstice.arrow.internal;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ColumnTypeException;
import io.solstice.arrow.MissingColumnException;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.LargeVarCharVector;
import org.apache.arrow.vector.VarCharVector;

/**
 * The stratum of each row of a batch, read from a class column: the integer value of an
 * integer column, the string of a string column, the decoded value of a dictionary-encoded
 * column; null for a null value. A table without a stratification column has one stratum.
 *
 * <p>Thread safety: immutable and thread-safe.
 */
public final class StratumColumn {
  /** The one stratum of a table split without stratification. */
  public static final String WHOLE_TABLE = "";

  private final String column;

  /**
   * Reads strata from a column, or (null) puts every row in one stratum.
   *
   * @param column the class column, or null
   */
  public StratumColumn(String column) {
    this.column = column;
  }

  /**
   * The strata of a batch's rows.
   *
   * @param batch an open batch
   * @return one stratum per row
   * @throws io.solstice.arrow.ArrowDataException when the column is missing or not a class
   *     column
   */
  public Object[] strata(ArrowBatch batch) {
    int rows = batch.rowCount();
    Object[] out = new Object[rows];
    if (column == null) {
      java.util.Arrays.fill(out, WHOLE_TABLE);
      return out;
    }
    FieldVector v = batch.root().getVector(column);
    if (v == null) {
      throw MissingColumnException.notAmong(column, "not in the data",
          batch.schema().getFields().stream().map(f -> f.getName()).toList());
    }
    FieldVector values = batch.dictionaryValues(v);
    if (values != null) {
      BaseIntVector indices = (BaseIntVector) v;
      for (int r = 0; r < rows; r++) {
        out[r] = v.isNull(r) ? null : String.valueOf(values.getObject((int) indices.getValueAsLong(r)));
      }
    } else if (v instanceof BaseIntVector ints) {
      for (int r = 0; r < rows; r++) {
        out[r] = v.isNull(r) ? null : ints.getValueAsLong(r);
      }
    } else if (v instanceof VarCharVector || v instanceof LargeVarCharVector || v instanceof BitVector) {
      for (int r = 0; r < rows; r++) {
        Object value = v.getObject(r);
        out[r] = value == null ? null : value.toString();
      }
    } else {
      throw new ColumnTypeException(column, "stratification needs class labels (integers, strings, booleans or "
          + "dictionary-encoded strings) but found " + v.getField().getType()
          + "; split real-valued targets without stratification");
    }
    return out;
  }
}
