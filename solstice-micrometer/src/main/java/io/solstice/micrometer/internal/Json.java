package io.solstice.micrometer.internal;

import java.util.Locale;
import java.util.Map;

/**
 * A JSON object written as it is built: the dashboard's points need numbers, strings and nested
 * objects only. Non-finite numbers become {@code null}, as JSON has no NaN.
 */
public final class Json {

  private final StringBuilder text = new StringBuilder("{");

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
    key(name);
    if (Double.isFinite(value)) {
      text.append(value == Math.rint(value) && Math.abs(value) < 1e15
          ? Long.toString((long) value) : String.format(Locale.ROOT, "%.6g", value));
    } else {
      text.append("null");
    }
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
    key(name);
    quote(value);
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
    key(name);
    text.append(value);
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

  private void key(String name) {
    if (text.length() > 1) {
      text.append(',');
    }
    quote(name);
    text.append(':');
  }

  private void quote(String value) {
    text.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> text.append("\\\"");
        case '\\' -> text.append("\\\\");
        default -> {
          if (c < 0x20) {
            text.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            text.append(c);
          }
        }
      }
    }
    text.append('"');
  }

  @Override
  public String toString() {
    return text + "}";
  }
}
