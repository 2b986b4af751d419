package io.solstice.core.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Solstice's one way to JSON (checkpoint manifests, run records, reports, job files, benchmark
 * reports, Kafka rows), on plain Jackson. Values are trees of maps (insertion order kept), lists,
 * strings, numbers and booleans. Non-finite doubles are written as the strings {@code "NaN"},
 * {@code "Infinity"} and {@code "-Infinity"} and read back by {@link #toDouble}; a writer that
 * wants {@code null} instead (JSON has no NaN) puts null in its tree.
 *
 * <p>Thread safety: thread-safe; its mapper is configured once and only read after.
 */
public final class Json {

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();
  private static final ObjectWriter ONE_LINE = MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);
  private static final TypeReference<LinkedHashMap<String, Object>> OBJECT = new TypeReference<>() {};

  private Json() {}

  /**
   * Serialises a tree, indented.
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
   * Serialises a tree, indented, as text.
   *
   * @param tree the value
   * @return the JSON text
   */
  public static String writeString(Object tree) {
    try {
      return MAPPER.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("value cannot be written as JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Serialises a tree on one line (for metadata fields, events and records in a stream).
   *
   * @param tree the value
   * @return the JSON text, without line breaks
   */
  public static String writeLine(Object tree) {
    try {
      return ONE_LINE.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("value cannot be written as JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Parses a JSON object.
   *
   * @param bytes UTF-8 JSON
   * @return the object as an ordered map
   * @throws IOException when the text is not a JSON object (the message says where)
   */
  public static Map<String, Object> readObject(byte[] bytes) throws IOException {
    Map<String, Object> value = MAPPER.readValue(bytes, OBJECT);
    if (value == null) {
      throw new IOException("empty JSON document");
    }
    return value;
  }

  /**
   * Parses any JSON value as a tree, for readers that walk it by name.
   *
   * @param bytes UTF-8 JSON
   * @return the tree
   * @throws IOException when the text is not JSON (the message says where)
   */
  public static JsonNode readTree(byte[] bytes) throws IOException {
    return MAPPER.readTree(bytes);
  }
  /**
   * A tree of maps, lists and values (as {@link #readObject} gives and writers build) as a {@link
   * JsonNode}, for code that reads a record whether it was just built or read from a file.
   *
   * @param tree the value, or null
   * @return the node; a null node for null
   */
  public static JsonNode toNode(Object tree) {
    JsonNode node = MAPPER.valueToTree(tree);
    return node == null ? MAPPER.nullNode() : node;
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
