package io.solstice.examples.data;

import io.solstice.arrow.CsvColumnTypeException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.arrow.vector.types.pojo.ArrowType;

/**
 * The CSV columns that a read of a whole table found wider than Arrow inferred them from their
 * first rows or first file, each learnt by reading the table again once a value did not fit
 * ({@link CsvColumnTypeException}): a column of integers with a decimal further down is read as
 * float64, a column of numbers with a word among them as text, a column that the first file of a
 * directory left empty as a later file's values are. A table that needs none is read once.
 */
public final class WidenedColumns {
  private final Map<String, ArrowType> types = new LinkedHashMap<>();
  private final Function<CsvColumnTypeException, RuntimeException> refusal;

  /**
   * Creates the columns, none widened yet.
   *
   * @param refusal for a value the caller does not widen a column for, the exception to throw
   *     instead (null: widen it)
   */
  public WidenedColumns(Function<CsvColumnTypeException, RuntimeException> refusal) {
    this.refusal = refusal;
  }

  /**
   * A read of the whole table with column types besides the caller's own.
   *
   * @param <T> what the read gives
   * @param <E> what it may throw besides a {@link CsvColumnTypeException}
   */
  @FunctionalInterface
  public interface Read<T, E extends Exception> {
    /**
     * Reads the table.
     *
     * @param types the widened columns' types
     * @return what the read gives
     * @throws E when the read fails otherwise
     */
    T with(Map<String, ArrowType> types) throws E;
  }

  /**
   * Runs a read of the whole table with the types widened so far, again with one more each time
   * a value does not fit, until one read ends.
   *
   * @param read reads the table with these column types besides the caller's own
   * @param widening told of each column widened, in a line such as "Read 'price' as float64:
   *     row 150,002 of sales.csv (counting from its first line) holds '2.5', which int64
   *     (inferred from the file's first rows) cannot hold"
   * @param <T> what the read gives
   * @param <E> what the read may throw
   * @return what the last read gave
   * @throws E as the read
   */
  public <T, E extends Exception> T read(Read<T, E> read, Consumer<String> widening) throws E {
    while (true) {
      try {
        return read.with(Collections.unmodifiableMap(new LinkedHashMap<>(types)));
      } catch (CsvColumnTypeException e) {
        RuntimeException refused = refusal.apply(e);
        if (refused != null) {
          throw refused;
        }
        // Each value that does not fit widens its column (null, integers, floats, text), so
        // the reads end; the same type again would read the same way.
        if (e.neededType().equals(types.get(e.column()))) {
          throw e;
        }
        types.put(e.column(), e.neededType());
        widening.accept("Read '" + e.column() + "' as " + CsvColumnTypeException.typeName(e.neededType()) + ": "
            + e.what());
      }
    }
  }
}
