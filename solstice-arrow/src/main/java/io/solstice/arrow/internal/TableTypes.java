package io.solstice.arrow.internal;

import io.solstice.arrow.CsvColumnTypeException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One type for each column of a CSV table, whatever file or row its values are in. Arrow's reader
 * infers a file's types from its first block of rows, so a directory's later file, read on its
 * own, would infer others (a column empty in all its rows would be of type null, one with
 * integers only int64 where the first file had decimals); the later files are read with the
 * first file's types instead. What no inferred type can settle, a value that the type a column is
 * read as cannot hold, is a {@link CsvColumnTypeException} that names the type that holds it.
 */
final class TableTypes {
  // Arrow's message for such a value: "In CSV column #0: Row #150002: CSV conversion error to
  // int64: invalid value '2.5'", the row counted from the file's first line read.
  private static final Pattern UNFIT = Pattern.compile(
      "In CSV column #(\\d+): Row #(\\d+): CSV conversion error to [^:]*: invalid value '(.*)'", Pattern.DOTALL);
  private static final ArrowType FLOAT64 = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);

  private TableTypes() {}

  /**
   * The types to read a file with.
   *
   * @param table the columns of the table's first file, or null while that is the one read
   * @param named the types the read options name, which win
   * @return column to type: the first file's, but for a column empty in all its rows (of type
   *     null, which no value converts to), then the named ones
   */
  static Map<String, ArrowType> pinned(Schema table, Map<String, ArrowType> named) {
    Map<String, ArrowType> pinned = new LinkedHashMap<>();
    if (table != null) {
      for (Field f : table.getFields()) {
        if (!(f.getType() instanceof ArrowType.Null)) {
          pinned.put(f.getName(), f.getType());
        }
      }
    }
    pinned.putAll(named);
    return pinned;
  }

  /**
   * Refuses a later file with values in a column the first file left empty in every row: the
   * first file's batches already went out with that column of type null.
   *
   * @param table the first file's columns
   * @param file the later file's columns
   * @param firstFile the first file
   * @param laterFile the later file
   * @throws CsvColumnTypeException naming the later file's type for the column
   */
  static void checkEmptyColumns(Schema table, Schema file, String firstFile, String laterFile) {
    for (Field f : table.getFields()) {
      Field now = f.getType() instanceof ArrowType.Null ? file.findField(f.getName()) : null;
      if (now != null && !(now.getType() instanceof ArrowType.Null)) {
        throw new CsvColumnTypeException(f.getName(), firstFile + " leaves it empty in every row, and "
            + laterFile + " holds " + CsvColumnTypeException.typeName(now.getType()) + " values",
            f.getType(), now.getType());
      }
    }
  }

  /**
   * Whether Arrow's message is about a value that its column's type cannot hold.
   *
   * @param message Arrow's message, as the dataset layer wrapped it
   * @return true for such a message
   */
  static boolean isUnfitValue(String message) {
    return message != null && UNFIT.matcher(message).find();
  }

  /**
   * The typed failure for Arrow's message about a value that its column's type cannot hold.
   *
   * @param message Arrow's message, as the dataset layer wrapped it ({@link #isUnfitValue})
   * @param columns the columns of the file read, in its order (their types as read, or as
   *     inferred where the read failed before it had any)
   * @param dialect the file's dialect: its decimal point
   * @param fileName the file read
   * @param skippedRows rows left out before the file's first line read
   * @param named the types the read options name
   * @param firstFile the directory's first file, whose types the file was read with; null when
   *     it is that file
   * @param table that file's columns, or null
   * @return the failure, or null when the message names no column of the file
   */
  static CsvColumnTypeException unfitValue(String message, Schema columns, CsvDialect dialect, String fileName,
      long skippedRows, Map<String, ArrowType> named, String firstFile, Schema table) {
    Matcher unfit = UNFIT.matcher(message);
    if (!unfit.find() || Integer.parseInt(unfit.group(1)) >= columns.getFields().size()) {
      return null;
    }
    String column = columns.getFields().get(Integer.parseInt(unfit.group(1))).getName();
    Map<String, ArrowType> pinned = pinned(firstFile == null ? null : table, named);
    ArrowType readAs = pinned.getOrDefault(column, columns.findField(column).getType());
    String value = unfit.group(3);
    ArrowType needed = readAs instanceof ArrowType.Int && isNumber(value, dialect.decimalPoint())
        ? FLOAT64 : ArrowType.Utf8.INSTANCE;
    String row = String.format(Locale.ROOT, "%,d", Long.parseLong(unfit.group(2)) + skippedRows);
    String typedBy = named.containsKey(column) ? " (the type named for it)"
        : firstFile == null ? " (inferred from the file's first rows)" : " (the column's type in " + firstFile + ")";
    return new CsvColumnTypeException(column, "row " + row + " of " + fileName + " (counting from its first line) "
        + "holds '" + value + "', which " + CsvColumnTypeException.typeName(readAs) + typedBy + " cannot hold",
        readAs, needed);
  }

  /** Whether Arrow reads a cell as a floating-point number, with the file's decimal point. */
  static boolean isNumber(String cell, char decimalPoint) {
    String digits = cell.strip().replace(decimalPoint, '.').toLowerCase(Locale.ROOT);
    return digits.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?") || digits.matches("[+-]?(inf|infinity|nan)");
  }
}
