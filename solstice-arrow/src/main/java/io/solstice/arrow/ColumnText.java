package io.solstice.arrow;

import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;

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
    DictionaryEncoding encoding = column.getField().getDictionary();
    if (encoding != null) {
      Dictionary dictionary = batch.lookup(encoding.getId());
      if (dictionary == null) {
        throw new CorruptIpcException(column.getName(), "refers to dictionary " + encoding.getId()
            + " which the data lacks");
      }
      FieldVector entries = dictionary.getVector();
      BaseIntVector indices = (BaseIntVector) column;
      return row -> {
        if (column.isNull(row)) {
          return null;
        }
        long index = indices.getValueAsLong(row);
        if (index < 0 || index >= entries.getValueCount()) {
          throw new CorruptIpcException(column.getName(), "row " + row + " refers to entry " + index
              + " of a dictionary of " + entries.getValueCount());
        }
        Object entry = entries.getObject((int) index);
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
}
