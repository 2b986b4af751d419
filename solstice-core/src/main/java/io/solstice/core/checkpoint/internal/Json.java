package io.solstice.core.checkpoint.internal;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.shade.jackson.core.JsonParser;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

/**
 * JSON through the Jackson copy that ND4J already ships (shaded), so the core adds no
 * dependency. Values are plain maps, lists, strings, numbers and booleans; non-finite doubles
 * are written as the strings {@code "NaN"}, {@code "Infinity"} and {@code "-Infinity"}.
 *
 * <p>Thread safety: thread-safe; its one ObjectMapper is configured once and only read after.
 */
public final class Json {

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS);

  private Json() {}

  /**
   * Serialises a tree of maps, lists and scalars.
   *
   * @param tree the value
   * @return UTF-8 JSON
   */
  public static byte[] write(Object tree) {
    try {
      return MAPPER.writeValueAsBytes(tree);
    } catch (IOException e) {
      throw new IllegalArgumentException("value cannot be written as JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Parses a JSON object.
   *
   * @param bytes UTF-8 JSON
   * @return the object as an ordered map
   * @throws IOException when the text is not a JSON object
   */
  public static Map<String, Object> readObject(byte[] bytes) throws IOException {
    Map<String, Object> value = MAPPER.readValue(bytes, new TypeReference<LinkedHashMap<String, Object>>() {});
    if (value == null) {
      throw new IOException("empty JSON document");
    }
    return value;
  }

  /**
   * Reads a double written by {@link #write}, accepting the string forms of non-finite values.
   *
   * @param value a number or one of {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}
   * @return the double
   */
  public static double toDouble(Object value) {
    if (value instanceof Number number) {
      return number.doubleValue();
    }
    if (value instanceof String text) {
      return Double.parseDouble(text);
    }
    throw new IllegalArgumentException("expected a number but found " + value);
  }

  /**
   * Reads an integral number (JSON numbers may come back as Integer, Long or BigInteger).
   *
   * @param value the number
   * @return it as a long
   */
  public static long toLong(Object value) {
    if (value instanceof Number number) {
      return number.longValue();
    }
    throw new IllegalArgumentException("expected an integer but found " + value);
  }
}
