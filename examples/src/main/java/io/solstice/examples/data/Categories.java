package io.solstice.examples.data;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.CorruptIpcException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import reactor.core.publisher.Flux;

/**
 * The values of categorical feature columns (strings, or dictionary-encoded values): how many
 * distinct ones a column holds, and the categories a model one-hot encodes, which are the
 * distinct values of the train rows in sorted order. A value only the validation or test rows
 * hold is unknown to the model, like a new value in {@code predict}: a row of zeros. An empty
 * string is a missing value, not a category (a CSV file's empty cell is one), and so is a null.
 */
public final class Categories {

  /** The most categories a column may have: more are one-hot features too many to learn well. */
  public static final int MOST = 100;

  private Categories() {}

  /**
   * Whether a column holds categories rather than numbers: a string column, or a
   * dictionary-encoded one.
   *
   * @param field the column
   * @return true for a categorical column
   */
  public static boolean isCategorical(Field field) {
    ArrowType type = field.getType();
    return field.getDictionary() != null || type instanceof ArrowType.Utf8 || type instanceof ArrowType.LargeUtf8;
  }

  /**
   * Adds each row's value of a categorical column to a set, until the set holds more than
   * {@link #MOST}: what a survey needs to tell a category from an identifier.
   *
   * @param batch the batch
   * @param column a categorical column of the batch
   * @param values the values seen so far
   */
  static void addDistinct(ArrowBatch batch, FieldVector column, Set<String> values) {
    Values text = Values.of(batch, column);
    for (int r = 0; r < batch.rowCount() && values.size() <= MOST; r++) {
      String value = text.at(r);
      if (value != null && !value.isEmpty()) {
        values.add(value);
      }
    }
  }

  /**
   * The categories of the train rows: each column's distinct values, sorted.
   *
   * @param train the train rows' batches (read once, each closed after its visit)
   * @param columns the categorical columns
   * @return the categories by column, in the columns' order; a column with no value in the
   *     train rows has none
   */
  public static Map<String, List<String>> ofTrainRows(Flux<ArrowBatch> train, List<String> columns) {
    Map<String, Set<String>> seen = new LinkedHashMap<>();
    columns.forEach(column -> seen.put(column, new TreeSet<>()));
    train.doOnNext(batch -> {
      try (batch) {
        for (String column : columns) {
          Values text = Values.of(batch, batch.root().getVector(column));
          Set<String> values = seen.get(column);
          for (int r = 0; r < batch.rowCount(); r++) {
            String value = text.at(r);
            if (value != null && !value.isEmpty()) {
              values.add(value);
            }
          }
        }
      }
    }).blockLast();
    Map<String, List<String>> categories = new LinkedHashMap<>();
    seen.forEach((column, values) -> categories.put(column, new ArrayList<>(values)));
    return categories;
  }

  /** A categorical column's rows as text (an integer as its decimal digits); null for a null. */
  private interface Values {
    String at(int row);

    static Values of(ArrowBatch batch, FieldVector column) {
      DictionaryEncoding encoding = column.getField().getDictionary();
      if (encoding == null) {
        return row -> {
          Object value = column.getObject(row);
          return value == null ? null : value.toString();
        };
      }
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
          throw new CorruptIpcException(column.getName(), "a row refers to entry " + index + " of a dictionary of "
              + entries.getValueCount());
        }
        Object value = entries.getObject((int) index);
        return value == null ? null : value.toString();
      };
    }
  }
}
