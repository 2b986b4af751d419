package io.solstice.examples.data;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ColumnText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import reactor.core.publisher.Flux;

/**
 * The values of categorical feature columns (strings, or dictionary-encoded values): how many
 * distinct ones a column holds, and the categories a model one-hot encodes, which are the
 * distinct values of the train rows in sorted order. A value only the validation or test rows
 * hold is unknown to the model, like a new value in {@code predict}: a row of zeros. An empty
 * string is a missing value, not a category (a CSV file's empty cell is one), and so is a null.
 * Values are read as {@link ColumnText}, as the encoding reads them.
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
    add(batch, column, values, MOST + 1);
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
        seen.forEach((column, values) -> add(batch, batch.root().getVector(column), values, Integer.MAX_VALUE));
      }
    }).blockLast();
    Map<String, List<String>> categories = new LinkedHashMap<>();
    seen.forEach((column, values) -> categories.put(column, new ArrayList<>(values)));
    return categories;
  }

  /** Adds the batch's values of a column, neither null nor empty, until the set holds {@code most}. */
  private static void add(ArrowBatch batch, FieldVector column, Set<String> values, int most) {
    ColumnText text = ColumnText.of(batch, column);
    for (int r = 0; r < batch.rowCount() && values.size() < most; r++) {
      String value = text.at(r);
      if (value != null && !value.isEmpty()) {
        values.add(value);
      }
    }
  }
}
