package io.solstice.examples.data;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ColumnText;
import io.solstice.arrow.ReadOptions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
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
 *
 * <p>A column's rare values are grouped: those in fewer train rows than a minimum frequency, and
 * those beyond the most frequent ones that a column's limit of one-hot features leaves room for,
 * become one other category (the feature {@code FeatureSpec.Builder.otherCategory} adds), which
 * then also takes the values the train rows never held. This is scikit-learn's {@code
 * OneHotEncoder(min_frequency=..., max_categories=..., handle_unknown="infrequent_if_exist")}.
 */
public final class Categories {

  /**
   * The most one-hot features a column has by default, its other category included: more are
   * too many to learn well from most tables.
   */
  public static final int DEFAULT_MOST = 100;

  /**
   * The most distinct values a survey counts in a column: a column with more is an identifier or
   * free text, however many rows the table has (and counting stops there, to bound the memory).
   */
  public static final int SURVEY_LIMIT = 100_000;

  // A number written for people: a sign, a currency sign, digits in groups of three (by commas,
  // apostrophes or spaces), decimals, a percent sign; at least one of those marks.
  private static final Pattern FORMATTED_NUMBER = Pattern.compile(
      "[-+]?[$\u20ac\u00a3\u00a5]?\\s?[-+]?(\\d{1,3}([,'\u00a0 ]\\d{3})+|\\d+)(\\.\\d+)?\\s?%?");

  /**
   * The categories a model one-hot encodes for a column.
   *
   * @param categories the train rows' values kept as categories, sorted
   * @param grouped how many distinct values of the train rows the other category stands for; 0
   *     when every value is a category (and the column has no other category)
   */
  public record Kept(List<String> categories, int grouped) {

    /**
     * Freezes the list.
     *
     * @param categories see the record
     * @param grouped see the record
     */
    public Kept {
      categories = List.copyOf(categories);
    }

    /**
     * Whether the column has an other category.
     *
     * @return true when values were grouped
     */
    public boolean other() {
      return grouped > 0;
    }
  }

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
   * The few values that make a column of numbers text, such as the {@code ?} that marks a missing
   * value in many UCI tables: a CSV reader then reads the whole column as strings, and its numbers
   * become categories. Empty when most values are not numbers, or all are.
   *
   * @param values a column's distinct values
   * @return its values that are not numbers, in sorted order, when at most three are and numbers
   *     outnumber them three to one; else empty
   */
  public static List<String> numbersButFor(Iterable<String> values) {
    int numbers = 0;
    Set<String> text = new TreeSet<>();
    for (String value : values) {
      if (isNumber(value)) {
        numbers++;
      } else if (text.add(value) && text.size() > 3) {
        return List.of();
      }
    }
    return !text.isEmpty() && numbers >= 3 * text.size() ? List.copyOf(text) : List.of();
  }

  /**
   * A value showing that a column's text is numbers written for people, with a currency sign,
   * thousands separators or a percent sign ({@code $1,101.00}, {@code 12 500}, {@code 45%}),
   * which a CSV reader reads as text: then the column's values become categories, or, all
   * distinct, are left out as an identifier's would be.
   *
   * @param values a column's distinct values
   * @return the first such value, when nine in ten values are numbers written so or plainly; else
   *     null
   */
  public static String formattedNumber(Iterable<String> values) {
    int numbers = 0;
    int all = 0;
    String example = null;
    for (String value : values) {
      all++;
      if (isNumber(value)) {
        numbers++;
      } else if (FORMATTED_NUMBER.matcher(value.strip()).matches()) {
        numbers++;
        example = example == null ? value : example;
      }
    }
    return example != null && numbers * 10L >= all * 9L ? example : null;
  }

  /**
   * Values for a message, each quoted: {@code '?'} or {@code '?', 'n/a'}.
   *
   * @param values the values
   * @return the text
   */
  public static String quoted(List<String> values) {
    return String.join(", ", values.stream().map(v -> "'" + v + "'").toList());
  }

  /**
   * The option of {@code train} that reads these values of a CSV file as missing, for a message:
   * {@code --missing '?'}, or {@code --missing '?,n/a'}.
   *
   * @param values values that make a column of numbers text
   * @return the option, or null when a value cannot be a marker (it is blank, or holds a quote, a
   *     line break or a field separator)
   */
  public static String missingOption(List<String> values) {
    List<String> markers = values.stream().map(String::strip).toList();
    return markers.stream().allMatch(ReadOptions::canMarkMissing) ? "--missing '" + String.join(",", markers) + "'"
        : null;
  }

  /**
   * Whether a text is a finite number, spaces around it aside.
   *
   * @param value the text
   * @return true for {@code 2}, {@code -0.5} or {@code 1e3}
   */
  public static boolean isNumber(String value) {
    try {
      return Double.isFinite(Double.parseDouble(value.strip()));
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * Adds each row's value of a categorical column to a set, until the set holds more than
   * {@link #SURVEY_LIMIT}: what a survey needs to tell a category from an identifier.
   *
   * @param batch the batch
   * @param column a categorical column of the batch
   * @param values the values seen so far
   */
  static void addDistinct(ArrowBatch batch, FieldVector column, Set<String> values) {
    add(batch, column, values, SURVEY_LIMIT + 1);
  }

  /**
   * The categories of the train rows: each column's values in at least {@code minFrequency}
   * rows, at most the {@code most - 1} most frequent of them when any value is grouped (one
   * feature goes to the other category), sorted. Values as frequent as the last one kept go, as
   * in scikit-learn, to those that sort last.
   *
   * @param train the train rows' batches (read once, each closed after its visit)
   * @param columns the categorical columns
   * @param minFrequency the fewest train rows a value must be in to be a category of its own, at
   *     least 1
   * @param most the most one-hot features a column may have, its other category included, at
   *     least 2 ({@link #DEFAULT_MOST} unless a user asks otherwise)
   * @return the categories by column, in the columns' order; a column with no value in the
   *     train rows has none, and one whose every value is rarer than {@code minFrequency} has
   *     none but the other category
   */
  public static Map<String, Kept> ofTrainRows(
      Flux<ArrowBatch> train, List<String> columns, long minFrequency, int most) {
    if (minFrequency < 1) {
      throw new IllegalArgumentException("the minimum frequency must be at least 1, got " + minFrequency);
    }
    if (most < 2) {
      throw new IllegalArgumentException("a column needs room for at least 2 one-hot features, got " + most);
    }
    Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
    columns.forEach(column -> counts.put(column, new HashMap<>()));
    train.doOnNext(batch -> {
      try (batch) {
        counts.forEach((column, count) -> {
          ColumnText text = ColumnText.of(batch, batch.root().getVector(column));
          for (int r = 0; r < batch.rowCount(); r++) {
            String value = text.at(r);
            if (value != null && !value.isEmpty()) {
              count.merge(value, 1L, Long::sum);
            }
          }
        });
      }
    }).blockLast();
    Map<String, Kept> kept = new LinkedHashMap<>();
    counts.forEach((column, count) -> kept.put(column, keep(count, minFrequency, most)));
    return kept;
  }

  // Package-private for its test: which of a column's values, by their train row counts, are categories.
  static Kept keep(Map<String, Long> counts, long minFrequency, int most) {
    List<String> frequent = new ArrayList<>();
    counts.forEach((value, n) -> {
      if (n >= minFrequency) {
        frequent.add(value);
      }
    });
    if (frequent.size() == counts.size() && frequent.size() <= most) {
      return new Kept(new TreeSet<>(frequent).stream().toList(), 0);
    }
    // One feature goes to the other category.
    frequent.sort(Comparator.comparing((String value) -> counts.get(value))
        .thenComparing(Comparator.<String>naturalOrder()).reversed());
    List<String> categories = new TreeSet<>(frequent.subList(0, Math.min(frequent.size(), most - 1))).stream()
        .toList();
    return new Kept(categories, counts.size() - categories.size());
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
