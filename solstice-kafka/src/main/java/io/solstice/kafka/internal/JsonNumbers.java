package io.solstice.kafka.internal;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a flat JSON object whose wanted fields are numbers, such as {@code {"x": 0.5, "y": 2}}.
 * Fields of other types are skipped when not wanted (strings, booleans, null, nested values);
 * a wanted field that is missing or not a number is an error naming it. Small on purpose: the
 * library brings no JSON dependency.
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
public final class JsonNumbers {
  private final String text;
  private int pos;

  private JsonNumbers(String text) {
    this.text = text;
  }

  /**
   * Parses a record value.
   *
   * @param bytes UTF-8 JSON
   * @param wanted the field names to return
   * @return the values of the wanted fields (all of them present)
   * @throws IllegalArgumentException when the value is not such an object
   */
  public static Map<String, Double> parse(byte[] bytes, java.util.Set<String> wanted) {
    if (bytes == null) {
      throw new IllegalArgumentException("the record has no value (null), expected a JSON object");
    }
    JsonNumbers p = new JsonNumbers(new String(bytes, StandardCharsets.UTF_8));
    Map<String, Double> values = p.object(wanted);
    p.skipSpace();
    if (p.pos != p.text.length()) {
      throw p.error("unexpected text after the JSON object");
    }
    for (String name : wanted) {
      if (!values.containsKey(name)) {
        throw new IllegalArgumentException("the JSON object has no field \"" + name + "\"; it has " + p.seen);
      }
    }
    return values;
  }

  private final java.util.List<String> seen = new java.util.ArrayList<>();

  private Map<String, Double> object(java.util.Set<String> wanted) {
    skipSpace();
    expect('{');
    Map<String, Double> values = new HashMap<>();
    skipSpace();
    if (peek() == '}') {
      pos++;
      return values;
    }
    while (true) {
      skipSpace();
      String name = string();
      seen.add(name);
      skipSpace();
      expect(':');
      skipSpace();
      if (wanted.contains(name)) {
        values.put(name, number(name));
      } else {
        skipValue();
      }
      skipSpace();
      char c = next();
      if (c == '}') {
        return values;
      }
      if (c != ',') {
        pos--;
        throw error("expected ',' or '}'");
      }
    }
  }

  private double number(String field) {
    int start = pos;
    while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
      pos++;
    }
    if (start == pos) {
      throw error("field \"" + field + "\" is not a number");
    }
    try {
      return Double.parseDouble(text.substring(start, pos));
    } catch (NumberFormatException e) {
      throw error("field \"" + field + "\" is not a number: " + text.substring(start, pos));
    }
  }

  private String string() {
    expect('"');
    StringBuilder sb = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') {
        return sb.toString();
      }
      if (c == '\\') {
        char e = next();
        switch (e) {
          case 'n' -> sb.append('\n');
          case 't' -> sb.append('\t');
          case 'r' -> sb.append('\r');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'u' -> {
            if (pos + 4 > text.length()) {
              throw error("truncated \\u escape");
            }
            sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
            pos += 4;
          }
          default -> sb.append(e);
        }
      } else {
        sb.append(c);
      }
    }
  }

  private void skipValue() {
    char c = peek();
    if (c == '"') {
      string();
    } else if (c == '{' || c == '[') {
      int depth = 0;
      do {
        char d = next();
        if (d == '"') {
          pos--;
          string();
        } else if (d == '{' || d == '[') {
          depth++;
        } else if (d == '}' || d == ']') {
          depth--;
        }
      } while (depth > 0);
    } else {
      while (pos < text.length() && ",}] \t\r\n".indexOf(text.charAt(pos)) < 0) {
        pos++;
      }
    }
  }

  private void skipSpace() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private char peek() {
    if (pos >= text.length()) {
      throw error("unexpected end of the JSON text");
    }
    return text.charAt(pos);
  }

  private char next() {
    char c = peek();
    pos++;
    return c;
  }

  private void expect(char c) {
    if (peek() != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException("not a flat JSON object of numbers (" + what + " at character " + pos + ")");
  }
}
