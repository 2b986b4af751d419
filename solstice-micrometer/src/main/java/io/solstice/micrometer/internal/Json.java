package io.solstice.micrometer.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A dashboard point under construction: an ordered JSON object of numbers, strings and nested
 * objects, written on one line by Solstice's JSON ({@link io.solstice.core.io.Json}).
 * Non-finite numbers become {@code null}, as JSON has no NaN and the page skips nulls.
 */
public final class Json {

  private final Map<String, Object> fields = new LinkedHashMap<>();

  /** An empty object. */
  public Json() {}

  /**
   * Adds a number.
   *
   * @param name the key
   * @param value the number
   * @return this object
   */
  public Json put(String name, double value) {
    fields.put(name, Double.isFinite(value) ? value : null);
    return this;
  }

  /**
   * Adds a string.
   *
   * @param name the key
   * @param value the string
   * @return this object
   */
  public Json put(String name, String value) {
    fields.put(name, value);
    return this;
  }

  /**
   * Adds a nested object.
   *
   * @param name the key
   * @param value the object
   * @return this object
   */
  public Json put(String name, Json value) {
    fields.put(name, value.fields);
    return this;
  }

  /**
   * Adds every entry of a map of numbers.
   *
   * @param values the entries
   * @return this object
   */
  public Json putAll(Map<String, Double> values) {
    values.forEach((name, value) -> put(name, value == null ? Double.NaN : value));
    return this;
  }

  @Override
  public String toString() {
    return io.solstice.core.io.Json.writeLine(fields);
  }
}
