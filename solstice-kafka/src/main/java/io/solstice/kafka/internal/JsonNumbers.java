package io.solstice.kafka.internal;

import io.solstice.core.io.Json;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads the wanted number fields of a JSON object, such as {@code {"x": 0.5, "y": 2}}, through
 * Solstice's JSON. Other fields may hold anything; a wanted field that is missing, not a
 * number, or a number beyond a double's range is an error naming it.
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
public final class JsonNumbers {

  private JsonNumbers() {}

  /**
   * Parses a record value.
   *
   * @param bytes UTF-8 JSON
   * @param wanted the field names to return
   * @return the values of the wanted fields (all of them present)
   * @throws IllegalArgumentException when the value is not such an object
   */
  public static Map<String, Double> parse(byte[] bytes, Set<String> wanted) {
    if (bytes == null) {
      throw new IllegalArgumentException("the record has no value (null), expected a JSON object");
    }
    Map<String, Object> object;
    try {
      object = Json.readObject(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a JSON object: " + e.getMessage().lines().findFirst().orElse(""), e);
    }
    Map<String, Double> values = new HashMap<>();
    for (String name : wanted) {
      if (!object.containsKey(name)) {
        throw new IllegalArgumentException("the JSON object has no field \"" + name + "\"; it has " + object.keySet());
      }
      if (!(object.get(name) instanceof Number number)) {
        throw new IllegalArgumentException("field \"" + name + "\" is not a number: " + object.get(name));
      }
      double value = number.doubleValue();
      if (!Double.isFinite(value)) {
        // JSON has no NaN or infinity: a number too large for a double reads as infinity.
        throw new IllegalArgumentException("field \"" + name + "\" is beyond the range of a double: "
            + object.get(name));
      }
      values.put(name, value);
    }
    return values;
  }
}
