package io.solstice.core;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An immutable, ordered map from names to ND4J arrays: the state of a {@link Checkpointable}
 * experiment. Equality is by name, shape, data type and exact value, which makes it the
 * natural thing to compare in tests ("resumed run equals uninterrupted run").
 *
 * <p>Names are free-form; by convention they use {@code /} to separate scopes, for example
 * {@code layer0/W} or {@code updater/layer0/W/m}.
 *
 * <p>Thread safety: the map is immutable and safe to share, but the arrays are ordinary mutable
 * ND4J arrays (often live views of an experiment), so take copy() on the thread that owns them
 * before handing them to another thread.
 */
public final class NamedArrays {

  private static final NamedArrays EMPTY = new NamedArrays(new LinkedHashMap<>());

  private final Map<String, INDArray> arrays;

  private NamedArrays(LinkedHashMap<String, INDArray> arrays) {
    this.arrays = Collections.unmodifiableMap(arrays);
  }

  /**
   * The state with no arrays.
   *
   * @return the empty state
   */
  public static NamedArrays empty() {
    return EMPTY;
  }

  /**
   * A state holding the given arrays in the map's iteration order. The arrays are not copied.
   *
   * @param arrays arrays by name
   * @return the state
   */
  public static NamedArrays of(Map<String, INDArray> arrays) {
    LinkedHashMap<String, INDArray> copy = new LinkedHashMap<>();
    arrays.forEach((name, array) -> copy.put(checkName(name), Objects.requireNonNull(array, name)));
    return new NamedArrays(copy);
  }

  /**
   * A new builder.
   *
   * @return an empty builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The array of that name.
   *
   * @param name the array's name
   * @return the array
   * @throws IllegalArgumentException naming the array and the names present when it is missing
   */
  public INDArray get(String name) {
    INDArray array = arrays.get(name);
    if (array == null) {
      throw new IllegalArgumentException(
          "no array named '" + name + "'; present: " + arrays.keySet());
    }
    return array;
  }

  /**
   * The array of that name, checked against the expected shape and data type. Use it in
   * {@link Checkpointable#withState} so a state of another experiment is refused by name.
   *
   * @param name the array's name
   * @param dataType the expected data type
   * @param shape the expected shape
   * @return the array
   * @throws IllegalArgumentException naming the array when it is missing or does not match
   */
  public INDArray get(String name, DataType dataType, long... shape) {
    INDArray array = get(name);
    if (array.dataType() != dataType || !Arrays.equals(array.shape(), shape)) {
      throw new IllegalArgumentException(
          "array '" + name + "' is " + array.dataType() + Arrays.toString(array.shape())
              + " but " + dataType + Arrays.toString(shape) + " was expected");
    }
    return array;
  }

  /**
   * Reads a scalar stored with {@link Builder#scalar(String, long)}.
   *
   * @param name the scalar's name
   * @return its value
   */
  public long getLong(String name) {
    INDArray array = get(name);
    if (array.length() != 1) {
      throw new IllegalArgumentException(
          "array '" + name + "' holds " + array.length() + " values, not one scalar");
    }
    return array.getLong(0);
  }

  /**
   * Reads a scalar stored with {@link Builder#scalar(String, double)}.
   *
   * @param name the scalar's name
   * @return its value
   */
  public double getDouble(String name) {
    INDArray array = get(name);
    if (array.length() != 1) {
      throw new IllegalArgumentException(
          "array '" + name + "' holds " + array.length() + " values, not one scalar");
    }
    return array.getDouble(0);
  }

  /**
   * Whether an array of that name is present.
   *
   * @param name the name
   * @return true when present
   */
  public boolean contains(String name) {
    return arrays.containsKey(name);
  }

  /**
   * The names, in order.
   *
   * @return the names
   */
  public Set<String> names() {
    return arrays.keySet();
  }

  /**
   * A read-only view of the arrays, in order.
   *
   * @return arrays by name
   */
  public Map<String, INDArray> asMap() {
    return arrays;
  }

  /**
   * The number of arrays.
   *
   * @return the size
   */
  public int size() {
    return arrays.size();
  }

  /**
   * The arrays whose names start with {@code prefix + "/"}, with that prefix removed.
   *
   * @param prefix the scope, without the trailing slash
   * @return the scoped arrays
   */
  public NamedArrays scope(String prefix) {
    String start = prefix + "/";
    LinkedHashMap<String, INDArray> scoped = new LinkedHashMap<>();
    arrays.forEach(
        (name, array) -> {
          if (name.startsWith(start)) {
            scoped.put(name.substring(start.length()), array);
          }
        });
    return new NamedArrays(scoped);
  }

  /**
   * This state with every name prefixed by {@code prefix + "/"}.
   *
   * @param prefix the scope
   * @return the prefixed state
   */
  public NamedArrays prefixed(String prefix) {
    LinkedHashMap<String, INDArray> out = new LinkedHashMap<>();
    arrays.forEach((name, array) -> out.put(prefix + "/" + name, array));
    return new NamedArrays(out);
  }

  /**
   * Combines two states with the same names array by array, for example to average
   * parameters of two workers.
   *
   * @param other a state with exactly the same names, shapes and data types
   * @param combine the function applied to each pair of arrays of the same name
   * @return the combined state
   * @throws IllegalArgumentException naming the first array that does not match
   */
  public NamedArrays zipWith(
      NamedArrays other, BiFunction<INDArray, INDArray, INDArray> combine) {
    if (!arrays.keySet().equals(other.arrays.keySet())) {
      throw new IllegalArgumentException(
          "states have different arrays: " + arrays.keySet() + " vs " + other.arrays.keySet());
    }
    LinkedHashMap<String, INDArray> out = new LinkedHashMap<>();
    arrays.forEach(
        (name, mine) -> {
          INDArray theirs = other.arrays.get(name);
          if (!Arrays.equals(mine.shape(), theirs.shape())
              || mine.dataType() != theirs.dataType()) {
            throw new IllegalArgumentException(
                "array '" + name + "' differs in shape or type: "
                    + mine.dataType() + Arrays.toString(mine.shape()) + " vs "
                    + theirs.dataType() + Arrays.toString(theirs.shape()));
          }
          out.put(name, combine.apply(mine, theirs));
        });
    return new NamedArrays(out);
  }

  /**
   * A deep copy in C order, detached from the arrays this state holds: a snapshot that stays
   * valid while the experiment keeps updating its arrays in place.
   *
   * @return the copy
   */
  public NamedArrays copy() {
    LinkedHashMap<String, INDArray> out = new LinkedHashMap<>();
    arrays.forEach((name, array) -> out.put(name, array.dup('c')));
    return new NamedArrays(out);
  }

  /** Equal when names (in any order), shapes, data types and every value are identical. */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof NamedArrays other) || !arrays.keySet().equals(other.arrays.keySet())) {
      return false;
    }
    for (Map.Entry<String, INDArray> entry : arrays.entrySet()) {
      if (!sameContent(entry.getValue(), other.arrays.get(entry.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return arrays.keySet().hashCode();
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("NamedArrays{");
    arrays.forEach(
        (name, array) ->
            text.append(name).append('=').append(array.dataType())
                .append(Arrays.toString(array.shape())).append(", "));
    if (!arrays.isEmpty()) {
      text.setLength(text.length() - 2);
    }
    return text.append('}').toString();
  }

  /** Exact (bitwise for floats) equality of shape, type and values. */
  private static boolean sameContent(INDArray a, INDArray b) {
    if (a.dataType() != b.dataType() || !Arrays.equals(a.shape(), b.shape())) {
      return false;
    }
    // equalsWithEps(0) would treat NaN != NaN and -0.0 == 0.0; compare the C-order bytes.
    return Arrays.equals(a.dup('c').data().asBytes(), b.dup('c').data().asBytes());
  }

  private static String checkName(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("array names must be non-empty");
    }
    return name;
  }

  /** Collects arrays in insertion order. */
  public static final class Builder {
    private final LinkedHashMap<String, INDArray> arrays = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Adds an array (not copied).
     *
     * @param name its name; must be new
     * @param array the array
     * @return this builder
     */
    public Builder put(String name, INDArray array) {
      if (arrays.putIfAbsent(checkName(name), Objects.requireNonNull(array, name)) != null) {
        throw new IllegalArgumentException("duplicate array name '" + name + "'");
      }
      return this;
    }

    /**
     * Adds every array of another state, with its names prefixed by {@code prefix + "/"}.
     *
     * @param prefix the scope
     * @param state the arrays
     * @return this builder
     */
    public Builder putAll(String prefix, NamedArrays state) {
      state.arrays.forEach((name, array) -> put(prefix + "/" + name, array));
      return this;
    }

    /**
     * Adds a counter or seed as an INT64 array of shape [1].
     *
     * @param name its name
     * @param value the value
     * @return this builder
     */
    public Builder scalar(String name, long value) {
      return put(name, Nd4j.createFromArray(new long[] {value}));
    }

    /**
     * Adds a real scalar as a FLOAT64 array of shape [1].
     *
     * @param name its name
     * @param value the value
     * @return this builder
     */
    public Builder scalar(String name, double value) {
      return put(name, Nd4j.createFromArray(new double[] {value}));
    }

    /**
     * The state.
     *
     * @return the built state
     */
    public NamedArrays build() {
      return new NamedArrays(new LinkedHashMap<>(arrays));
    }
  }
}
