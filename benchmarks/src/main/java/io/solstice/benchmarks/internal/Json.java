package io.solstice.benchmarks.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report as JSON, through Solstice's JSON ({@link io.solstice.core.io.Json}): objects keep
 * their insertion order and non-finite numbers become {@code null} (JSON has no NaN). {@link
 * #read} parses a report back, to merge child JVMs' reports.
 */
public final class Json {

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
      return io.solstice.core.io.Json.writeString(toTree(this));
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
      return fromTree(io.solstice.core.io.Json.readTree(text.getBytes(StandardCharsets.UTF_8)));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("bad JSON at offset " + e.getLocation().getCharOffset()
          + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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

  /** The plain tree Solstice's JSON writes: objects as maps, non-finite numbers as null. */
  private static Object toTree(Object value) {
    if (value instanceof Obj obj) {
      Map<String, Object> map = new LinkedHashMap<>();
      obj.fields.forEach((name, field) -> map.put(name, toTree(field)));
      return map;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(Json::toTree).toList();
    }
    if ((value instanceof Double || value instanceof Float) && !Double.isFinite(((Number) value).doubleValue())) {
      return null;
    }
    return value;
  }
}
