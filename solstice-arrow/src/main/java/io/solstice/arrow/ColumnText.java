package io.solstice.arrow;

import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;

/**
 * A column's rows as text, the one way a category is read: a string column's strings, a
 * dictionary-encoded column's entries, an integer column's value in decimal digits, and any
 * other value's {@code toString()}; null for a null. The categories a model is given and the
 * values {@link FeatureSpec.Builder#categories} encodes are read through it, so that they
 * compare equal.
 */
@FunctionalInterface
public interface ColumnText {

  /**
   * The text of a row.
   *
   * @param row the row of the batch
   * @return its text, or null for a null value (or a null dictionary entry)
   */
  String at(int row);

  /**
   * The rows of a column of a batch as text.
   *
   * @param batch the batch, whose dictionaries a dictionary-encoded column refers to
   * @param column a column of the batch
   * @return its text
   * @throws CorruptIpcException when a dictionary-encoded column refers to a dictionary the batch
   *     lacks, or (when read) to an entry past the dictionary's end
   */
  static ColumnText of(ArrowBatch batch, FieldVector column) {
    FieldVector entries = batch.dictionaryValues(column);
    if (entries != null) {
      return row -> {
        int index = dictionaryEntry(column, row, entries.getValueCount());
        Object entry = index < 0 ? null : entries.getObject(index);
        return entry == null ? null : entry.toString();
      };
    }
    if (column instanceof BaseIntVector integers) {
      return row -> column.isNull(row) ? null : Long.toString(integers.getValueAsLong(row));
    }
    return row -> {
      Object value = column.getObject(row);
      return value == null ? null : value.toString();
    };
  }

  /**
   * The dictionary entry a row of a dictionary-encoded column refers to.
   *
   * @param column a dictionary-encoded column (integer indices)
   * @param row the row
   * @param entries the number of entries of the column's dictionary
   * @return the entry's index, or -1 for a null row
   * @throws CorruptIpcException when the row refers to an entry past the dictionary's end
   */
  static int dictionaryEntry(FieldVector column, int row, int entries) {
    if (column.isNull(row)) {
      return -1;
    }
    long index = ((BaseIntVector) column).getValueAsLong(row);
    if (index < 0 || index >= entries) {
      throw new CorruptIpcException(column.getName(), "row " + row + " refers to entry " + index
          + " of a dictionary of " + entries);
    }
    return (int) index;
  }
}
