package io.solstice.examples.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.Standardization;
import io.solstice.core.metrics.FeatureMoments;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** Categorical columns in a survey and the train rows' categories, from a dictionary-encoded column. */
class CategoriesTest {
  private static final long DICTIONARY = 4;
  /** The dictionary's entries, not sorted, one of them empty. */
  private static final String[] ENTRIES = {"red", "", "blue", "green"};

  @Test
  void aFewValuesThatAreNotNumbersAreNamedAsWhatMakesAColumnOfNumbersText() {
    List<String> digits = IntStream.rangeClosed(1, 10).mapToObj(Integer::toString).toList();
    List<String> withQuestionMark = new java.util.ArrayList<>(digits);
    withQuestionMark.add("?");
    withQuestionMark.add(" n/a ");

    assertThat(Categories.numbersButFor(withQuestionMark)).containsExactly(" n/a ", "?");
    assertThat(Categories.quoted(List.of("?", "n/a"))).isEqualTo("'?', 'n/a'");
    // All numbers (codes read as text on purpose), mostly words, or too many words: no such note.
    assertThat(Categories.numbersButFor(digits)).isEmpty();
    assertThat(Categories.numbersButFor(List.of("1", "2", "x", "y"))).isEmpty();
    assertThat(Categories.numbersButFor(List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "a",
        "b", "c", "d"))).isEmpty();
    assertThat(Categories.numbersButFor(List.of("Oslo", "Lima"))).isEmpty();
  }

  @Test
  void numbersWrittenForPeopleAreToldApartFromPlainNumbersAndWords() {
    assertThat(Categories.formattedNumber(List.of("$1,101.00"))).isEqualTo("$1,101.00");
    assertThat(Categories.formattedNumber(List.of("12", "45%", "7%"))).isEqualTo("45%");
    assertThat(Categories.formattedNumber(List.of("1 250 000", "12", "3"))).isEqualTo("1 250 000");
    assertThat(Categories.formattedNumber(List.of("-\u20ac3,000.5", "2"))).isEqualTo("-\u20ac3,000.5");
    // Plain numbers, words, and one number for people among words: none.
    assertThat(Categories.formattedNumber(List.of("1", "2.5"))).isNull();
    assertThat(Categories.formattedNumber(List.of("Oslo", "Lima"))).isNull();
    assertThat(Categories.formattedNumber(List.of("10%", "low", "high"))).isNull();
  }

  @Test
  void aDictionaryEncodedColumnIsCategoricalAndItsCategoriesAreTheTrainRowsSortedValues() {
    try (BufferAllocator allocator = new RootAllocator()) {
      // Rows of batch 0: red, null, "", blue; of batch 1: red, red, blue, blue. Green is unused.
      int[][] codes = {{0, -1, 1, 2}, {0, 0, 2, 2}};
      TableLayout layout = TableSurvey.survey(Flux.just(batch(allocator, codes[0]), batch(allocator, codes[1])),
          "colours", "label", List.of(), List.of(), List.of(), false);

      assertThat(layout.features()).containsExactly("x", "colour");
      assertThat(layout.nulls()).as("a null category is no null to refuse").isEmpty();
      assertThat(layout.categories()).containsOnlyKeys("colour");

      Map<String, Categories.Kept> categories = Categories.ofTrainRows(
          Flux.just(batch(allocator, codes[0]), batch(allocator, codes[1])), List.of("colour"), 1, Categories.DEFAULT_MOST);
      assertThat(categories).isEqualTo(Map.of("colour", new Categories.Kept(List.of("blue", "red"), 0)));
      TableLayout known = layout.withCategories(categories);
      assertThat(known.width()).isEqualTo(3);
      assertThat(known.inputNames()).containsExactly("x", "colour=blue", "colour=red");
      assertThat(known.otherCategory()).isEmpty();

      // Red is in three rows, blue in three: with a minimum of 4 neither is a category.
      Map<String, Categories.Kept> none = Categories.ofTrainRows(
          Flux.just(batch(allocator, codes[0]), batch(allocator, codes[1])), List.of("colour"), 4, Categories.DEFAULT_MOST);
      assertThat(none.get("colour")).isEqualTo(new Categories.Kept(List.of(), 2));
      assertThatThrownBy(() -> layout.withCategories(none)).isInstanceOf(UsageException.class)
          .hasMessage("categorical column 'colour' has no value in as many train rows as --min-frequency asks; "
              + "lower it or leave the column out with --features");
    }
  }

  @Test
  void rareValuesAndThoseBeyondTheMostFrequentAreGroupedAsOneOtherCategory() {
    try (BufferAllocator allocator = new RootAllocator()) {
      // Red in three rows, blue in two, green in one.
      int[][] codes = {{0, 0, 2, 3}, {0, 2, -1, 1}};
      TableLayout layout = TableSurvey.survey(Flux.just(batch(allocator, codes[0]), batch(allocator, codes[1])),
          "colours", "label", List.of(), List.of(), List.of(), false);
      Map<String, Categories.Kept> rare = Categories.ofTrainRows(
          Flux.just(batch(allocator, codes[0]), batch(allocator, codes[1])), List.of("colour"), 2, Categories.DEFAULT_MOST);
      assertThat(rare.get("colour")).isEqualTo(new Categories.Kept(List.of("blue", "red"), 1));
      TableLayout known = layout.withCategories(rare);
      assertThat(known.width()).isEqualTo(4);
      assertThat(known.inputNames()).containsExactly("x", "colour=blue", "colour=red", "colour=(other)");
      assertThat(known.otherCategory()).containsExactly("colour");
      // The other category is one-hot too: mean 0 and scale 1, like the categories.
      Standardization scaling = known.standardization(FeatureMoments.of(new double[][] {{1, 0, 1, 0}, {5, 1, 0, 1}}));
      assertThat(scaling.mean()).containsExactly(3, 0, 0, 0);
      assertThat(scaling.scale()).containsExactly(2, 1, 1, 1);
    }
    // 150 values, value k in k + 1 rows: the 99 most frequent are categories, the 51 rarest
    // "other". With every value in one row, the 99 that sort last are kept.
    Map<String, Long> counts = new HashMap<>();
    Map<String, Long> ties = new HashMap<>();
    for (int k = 0; k < 150; k++) {
      counts.put(String.format(Locale.ROOT, "v%03d", k), k + 1L);
      ties.put(String.format(Locale.ROOT, "v%03d", k), 1L);
    }
    Categories.Kept kept = Categories.keep(counts, 1, Categories.DEFAULT_MOST);
    assertThat(kept.grouped()).isEqualTo(51);
    assertThat(kept.categories()).hasSize(Categories.DEFAULT_MOST - 1).startsWith("v051").endsWith("v149").isSorted();
    assertThat(Categories.keep(ties, 1, Categories.DEFAULT_MOST).categories()).startsWith("v051").endsWith("v149");
    // A smaller limit: the 9 most frequent and other.
    assertThat(Categories.keep(counts, 1, 10)).isEqualTo(new Categories.Kept(
        IntStream.range(141, 150).mapToObj(k -> String.format(Locale.ROOT, "v%03d", k)).toList(), 141));
    assertThat(Categories.keep(few(), 1, 3)).as("three values fit three inputs").isEqualTo(new Categories.Kept(
        List.of("a", "b", "c"), 0));
    assertThat(Categories.keep(few(), 1, 2)).as("the two that sort last, and other").isEqualTo(new Categories.Kept(
        List.of("c"), 2));
    assertThat(Categories.keep(counts, 140, Categories.DEFAULT_MOST)).as("in 140 rows or more: v139 to v149").isEqualTo(new Categories.Kept(
        IntStream.range(139, 150).mapToObj(k -> String.format(Locale.ROOT, "v%03d", k)).toList(), 139));
    assertThat(Categories.keep(few(), 5, Categories.DEFAULT_MOST)).as("all frequent, no other").isEqualTo(new Categories.Kept(
        List.of("a", "b", "c"), 0));
  }

  @Test
  void aColumnWithMoreDistinctValuesThanHalfTheRowsIsLeftOutAsAnIdentifier() {
    try (BufferAllocator allocator = new RootAllocator()) {
      // Eight rows of red, blue and green, and one empty string, which is no value: three values, kept.
      int[][] codes = {{0, 1, 2, 3}, {0, 0, 2, 2}};
      TableLayout kept = TableSurvey.survey(Flux.just(batch(allocator, codes[0]), batch(allocator, codes[1])),
          "colours", "label", List.of(), List.of(), List.of(), false);
      assertThat(kept.categories()).containsOnlyKeys("colour");

      // Every row a different value: an identifier.
      TableLayout ids = TableSurvey.survey(Flux.just(batch(allocator, new int[] {0, 2, 3, -1})), "ids", "label",
          List.of(), List.of(), List.of(), false);
      assertThat(ids.features()).containsExactly("x");
      assertThat(ids.leftOut()).containsExactly("'colour' (3 distinct values in 4 rows, too many to be categories)");
    }
  }

  @Test
  void aColumnOfMoreDistinctValuesThanTheSurveyCountsIsLeftOutHoweverManyRowsTheTableHas() {
    // 250,000 rows of 100,001 codes: fewer than half the rows, more than the survey counts.
    try (BufferAllocator allocator = new RootAllocator()) {
      int rows = 250_000;
      int batchRows = 50_000;
      Flux<ArrowBatch> table = Flux.range(0, rows / batchRows).map(b -> {
        Float8Vector x = new Float8Vector("x", allocator);
        VarCharVector code = new VarCharVector("code", allocator);
        IntVector label = new IntVector("label", allocator);
        x.allocateNew(batchRows);
        code.allocateNew(batchRows);
        label.allocateNew(batchRows);
        for (int r = 0; r < batchRows; r++) {
          int row = b * batchRows + r;
          x.set(r, row);
          code.setSafe(r, ("c" + row % (Categories.SURVEY_LIMIT + 1)).getBytes(StandardCharsets.UTF_8));
          label.set(r, row % 2);
        }
        for (var v : List.of(x, code, label)) {
          v.setValueCount(batchRows);
        }
        VectorSchemaRoot root = new VectorSchemaRoot(List.of(x, code, label));
        root.setRowCount(batchRows);
        return new ArrowBatch(root, Map.of(), new BatchPosition("codes", 0, b), null);
      });

      TableLayout layout = TableSurvey.survey(table, "codes", "label", List.of(), List.of(), List.of(), false);

      assertThat(layout.features()).containsExactly("x");
      assertThat(layout.leftOut()).containsExactly("'code' (more than 100000 distinct values, too many to be "
          + "categories)");
    }
  }

  /** Four rows: x, a dictionary-encoded colour (-1 for null) and a 0/1 label. */
  /** Three values, each in five rows. */
  private static Map<String, Long> few() {
    return Map.of("a", 5L, "b", 5L, "c", 5L);
  }

  private static ArrowBatch batch(BufferAllocator allocator, int[] codes) {
    DictionaryEncoding encoding = new DictionaryEncoding(DICTIONARY, false, new ArrowType.Int(8, true));
    VarCharVector entries = new VarCharVector("colour-entries", allocator);
    entries.allocateNew();
    for (int i = 0; i < ENTRIES.length; i++) {
      entries.setSafe(i, ENTRIES[i].getBytes(StandardCharsets.UTF_8));
    }
    entries.setValueCount(ENTRIES.length);
    Float8Vector x = new Float8Vector("x", allocator);
    TinyIntVector colour = new TinyIntVector(new Field("colour",
        new FieldType(true, new ArrowType.Int(8, true), encoding), null), allocator);
    IntVector label = new IntVector("label", allocator);
    x.allocateNew(codes.length);
    colour.allocateNew(codes.length);
    label.allocateNew(codes.length);
    for (int r = 0; r < codes.length; r++) {
      x.set(r, r);
      if (codes[r] < 0) {
        colour.setNull(r);
      } else {
        colour.set(r, codes[r]);
      }
      label.set(r, r % 2);
    }
    for (var v : List.of(x, colour, label)) {
      v.setValueCount(codes.length);
    }
    VectorSchemaRoot root = new VectorSchemaRoot(List.of(x, colour, label));
    root.setRowCount(codes.length);
    return new ArrowBatch(root, Map.of(DICTIONARY, new Dictionary(entries, encoding)),
        new BatchPosition("colours", 0, 0), null);
  }
}
