package io.solstice.benchmarks.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * A tiny JSON writer for the report: objects keep their insertion order, numbers are written
 * with enough digits to read back, and non-finite numbers become {@code null} (JSON has no NaN).
 * {@link #read} parses a report back (with ND4J's shaded Jackson), to merge child JVMs' reports.
 */
public final class Json {

  private static final ObjectMapper READER = new ObjectMapper();

  private Json() {}

  /**
   * A new, empty object.
   *
   * @return the object
   */
  public static Obj obj() {
    return new Obj();
  }

  /** An ordered JSON object under construction. */
  public static final class Obj {
    private final Map<String, Object> fields = new LinkedHashMap<>();

    private Obj() {}

    /**
     * Sets a field.
     *
     * @param name the field name
     * @param value a number, string, boolean, {@link Obj}, list of those, or null
     * @return this object
     */
    public Obj put(String name, Object value) {
      fields.put(name, value);
      return this;
    }

    /**
     * The value of a field, or null.
     *
     * @param name the field name
     * @return its value
     */
    public Object get(String name) {
      return fields.get(name);
    }

    /**
     * The fields, in insertion order (read-only view).
     *
     * @return the fields
     */
    public Map<String, Object> fields() {
      return java.util.Collections.unmodifiableMap(fields);
    }

    @Override
    public String toString() {
      StringBuilder out = new StringBuilder();
      write(this, out, 0);
      return out.toString();
    }
  }

  /**
   * A list of values as a JSON array.
   *
   * @param values the values
   * @return a list to put into an object
   */
  public static List<Object> array(double... values) {
    List<Object> out = new ArrayList<>();
    for (double v : values) {
      out.add(v);
    }
    return out;
  }

  /**
   * Reads back what {@link Obj#toString()} writes: objects as {@link Obj} (order kept), arrays
   * as lists, numbers as doubles, strings, booleans and null.
   *
   * @param text one JSON value
   * @return the value
   * @throws IllegalArgumentException naming the offset of the first error
   */
  public static Object read(String text) {
    try {
      return fromTree(READER.readTree(text));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("bad JSON at offset " + e.getLocation().getCharOffset()
          + ": " + e.getOriginalMessage(), e);
    }
  }

  private static Object fromTree(JsonNode node) {
    if (node.isObject()) {
      Obj obj = obj();
      node.fields().forEachRemaining(field -> obj.put(field.getKey(), fromTree(field.getValue())));
      return obj;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(element -> list.add(fromTree(element)));
      return list;
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    return node.isNull() ? null : node.asText();
  }

  private static void write(Object value, StringBuilder out, int indent) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof Obj obj) {
      out.append("{");
      boolean first = true;
      for (Map.Entry<String, Object> e : obj.fields.entrySet()) {
        out.append(first ? "\n" : ",\n");
        first = false;
        pad(out, indent + 2);
        string(e.getKey(), out);
        out.append(": ");
        write(e.getValue(), out, indent + 2);
      }
      if (!first) {
        out.append("\n");
        pad(out, indent);
      }
      out.append("}");
    } else if (value instanceof List<?> list) {
      out.append("[");
      for (int i = 0; i < list.size(); i++) {
        out.append(i == 0 ? "" : ", ");
        write(list.get(i), out, indent);
      }
      out.append("]");
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      out.append(Double.isFinite(d) ? number(d) : "null");
    } else if (value instanceof Number || value instanceof Boolean) {
      out.append(value);
    } else {
      string(value.toString(), out);
    }
  }

  private static String number(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    return String.format(Locale.ROOT, "%.6g", d).replaceFirst("(\\.\\d*?)0+(e|$)", "$1$2")
        .replaceFirst("\\.(e|$)", "$1");
  }

  private static void string(String s, StringBuilder out) {
    out.append('"');
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        case '\r' -> out.append("\\r");
        default -> {
          if (c < 0x20) {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static void pad(StringBuilder out, int n) {
    out.append(" ".repeat(n));
  }
}
