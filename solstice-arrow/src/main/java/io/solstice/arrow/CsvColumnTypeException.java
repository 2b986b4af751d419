package io.solstice.arrow;

import org.apache.arrow.vector.types.pojo.ArrowType;

/**
 * A CSV column holds a value that the type it is read as cannot hold. Arrow's reader infers a
 * column's type from the first rows of a file (its first block, about a megabyte), so a column of
 * integers that has a decimal further down, or numbers with a word among them, fails where that
 * row is read; in a directory, every file is read with the types of the first file, and a column
 * that the first file leaves empty in every row has no type that a later file's values fit.
 *
 * <p>{@link #neededType()} holds the value and every value read before it: float64 for a number
 * in an integer column, the later file's type for a column the first file left empty, else
 * text. Reading the table again with that type named ({@link ReadOptions.Builder#csvColumnTypes})
 * reads the column.
 *
 * <p>Thread safety: like any exception, safe to hand to another thread once thrown; it holds
 * only its message and types.
 */
public final class CsvColumnTypeException extends ArrowDataException {
  private static final long serialVersionUID = 1L;

  private final String what;
  private final transient ArrowType readAs;
  private final transient ArrowType neededType;

  /**
   * Creates the exception.
   *
   * @param column the column
   * @param what what was found, without advice: for example {@code "row 150,002 of big.csv holds
   *     '2.5', which int64 cannot hold"}
   * @param readAs the type the column is read as
   * @param neededType the type that holds the values read so far and this one
   */
  public CsvColumnTypeException(String column, String what, ArrowType readAs, ArrowType neededType) {
    super(column, what + ": read it as " + typeName(neededType) + " (ReadOptions.Builder.csvColumnTypes)", null);
    this.what = what;
    this.readAs = readAs;
    this.neededType = neededType;
  }

  /**
   * What was found, without the advice: for a message that gives its own.
   *
   * @return for example {@code "row 150,002 of big.csv holds '2.5', which int64 cannot hold"}
   */
  public String what() {
    return what;
  }

  /**
   * The type the column is read as: inferred, or named by the read options.
   *
   * @return the type
   */
  public ArrowType readAs() {
    return readAs;
  }

  /**
   * The type that holds the column's values read so far and the one that failed.
   *
   * @return float64, text, or a later file's type for a column the first file left empty
   */
  public ArrowType neededType() {
    return neededType;
  }

  /**
   * A type as a message names it: int64, float64, string, null, or Arrow's own name for others.
   *
   * @param type the type
   * @return its name
   */
  public static String typeName(ArrowType type) {
    if (type instanceof ArrowType.Int i) {
      return (i.getIsSigned() ? "int" : "uint") + i.getBitWidth();
    }
    if (type instanceof ArrowType.FloatingPoint f) {
      return switch (f.getPrecision()) {
        case HALF -> "float16";
        case SINGLE -> "float32";
        case DOUBLE -> "float64";
      };
    }
    if (type instanceof ArrowType.Utf8 || type instanceof ArrowType.LargeUtf8) {
      return "string";
    }
    if (type instanceof ArrowType.Null) {
      return "null (empty in every row)";
    }
    return type.toString();
  }
}
