package io.solstice.examples.cli;

import io.solstice.examples.data.UsageException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;

/** The type names {@code --column-types} accepts, and the Arrow types they stand for. */
final class ColumnTypes {
  private static final Map<String, ArrowType> TYPES = Map.of(
      "int32", new ArrowType.Int(32, true),
      "int64", new ArrowType.Int(64, true),
      "float32", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE),
      "float64", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE),
      "string", new ArrowType.Utf8());

  private ColumnTypes() {}

  /**
   * Parses {@code column=type} pairs.
   *
   * @param given column name to type name, as typed
   * @return column name to Arrow type, in the order given
   * @throws UsageException naming the accepted types when one is unknown
   */
  static Map<String, ArrowType> parse(Map<String, String> given) {
    Map<String, ArrowType> out = new LinkedHashMap<>();
    given.forEach((column, name) -> {
      ArrowType type = TYPES.get(name.trim().toLowerCase(Locale.ROOT));
      if (type == null) {
        throw new UsageException("--column-types: unknown type '" + name + "' for column '" + column
            + "'; use int32, int64, float32, float64 or string");
      }
      out.put(column, type);
    });
    return out;
  }
}
