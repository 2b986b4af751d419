package io.solstice.core.checkpoint;

import java.util.Map;

/** Reads values from a callback state that went through JSON. */
public final class StateValues {

  private StateValues() {}

  /**
   * A double, accepting the string forms of non-finite values.
   *
   * @param state the state
   * @param key the key
   * @return the value
   */
  public static double getDouble(Map<String, Object> state, String key) {
    Object value = require(state, key);
    if (value instanceof Number number) {
      return number.doubleValue();
    }
    if (value instanceof String text) {
      return Double.parseDouble(text);
    }
    throw new IllegalArgumentException("state value '" + key + "' is not a number: " + value);
  }

  /**
   * A long.
   *
   * @param state the state
   * @param key the key
   * @return the value
   */
  public static long getLong(Map<String, Object> state, String key) {
    Object value = require(state, key);
    if (value instanceof Number number) {
      return number.longValue();
    }
    throw new IllegalArgumentException("state value '" + key + "' is not an integer: " + value);
  }

  private static Object require(Map<String, Object> state, String key) {
    Object value = state.get(key);
    if (value == null) {
      throw new IllegalArgumentException("saved callback state has no '" + key + "': " + state);
    }
    return value;
  }
}
