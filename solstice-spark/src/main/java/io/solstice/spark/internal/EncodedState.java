package io.solstice.spark.internal;

import io.solstice.core.NamedArrays;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link NamedArrays} as plain Java arrays (C order), so that it travels through Spark's
 * serializer as bytes: ND4J arrays are never Java-serialized. Supports the types experiments
 * use for state: FLOAT, DOUBLE, INT64 and INT32.
 *
 * <p>Thread safety: immutable after construction (its arrays are never written again); safe to
 * share.
 */
public final class EncodedState implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String[] names;
  private final String[] types;
  private final long[][] shapes;
  private final Object[] values;

  private EncodedState(String[] names, String[] types, long[][] shapes, Object[] values) {
    this.names = names;
    this.types = types;
    this.shapes = shapes;
    this.values = values;
  }

  /**
   * Copies a state into Java arrays.
   *
   * @param state the state
   * @return the encoded state
   * @throws IllegalArgumentException naming an array of an unsupported data type
   */
  public static EncodedState encode(NamedArrays state) {
    int n = state.size();
    String[] names = new String[n];
    String[] types = new String[n];
    long[][] shapes = new long[n][];
    Object[] values = new Object[n];
    int i = 0;
    for (Map.Entry<String, INDArray> entry : state.asMap().entrySet()) {
      INDArray array = entry.getValue().dup('c');
      names[i] = entry.getKey();
      types[i] = array.dataType().name();
      shapes[i] = array.shape();
      values[i] = switch (array.dataType()) {
        case FLOAT -> array.data().asFloat();
        case DOUBLE -> array.data().asDouble();
        case LONG -> array.data().asLong();
        case INT -> array.data().asInt();
        default -> throw new IllegalArgumentException(
            "array '" + entry.getKey() + "' is " + array.dataType()
                + "; Spark training ships FLOAT, DOUBLE, INT64 and INT32 state only");
      };
      i++;
    }
    return new EncodedState(names, types, shapes, values);
  }

  /**
   * Rebuilds the ND4J arrays.
   *
   * @return the state
   */
  public NamedArrays decode() {
    LinkedHashMap<String, INDArray> out = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      out.put(names[i], toArray(i));
    }
    return NamedArrays.of(out);
  }

  /**
   * The number of arrays.
   *
   * @return the count
   */
  public int size() {
    return names.length;
  }

  /**
   * The name of array {@code i}.
   *
   * @param i the index
   * @return its name
   */
  public String name(int i) {
    return names[i];
  }

  /**
   * Whether array {@code i} holds floating-point values (which are averaged).
   *
   * @param i the index
   * @return true for FLOAT and DOUBLE
   */
  public boolean isFloating(int i) {
    return values[i] instanceof float[] || values[i] instanceof double[];
  }

  /**
   * Value {@code j} of floating array {@code i}, widened to double.
   *
   * @param i the array
   * @param j the element
   * @return the value
   */
  public double value(int i, int j) {
    return values[i] instanceof float[] f ? f[j] : ((double[]) values[i])[j];
  }

  /**
   * The number of elements of array {@code i}.
   *
   * @param i the array
   * @return its length
   */
  public int length(int i) {
    Object v = values[i];
    if (v instanceof float[] f) {
      return f.length;
    } else if (v instanceof double[] d) {
      return d.length;
    } else if (v instanceof long[] l) {
      return l.length;
    }
    return ((int[]) v).length;
  }

  /**
   * Array {@code i} rebuilt as an ND4J array.
   *
   * @param i the index
   * @return a new array
   */
  public INDArray toArray(int i) {
    Object v = values[i];
    INDArray flat;
    if (v instanceof float[] f) {
      flat = Nd4j.createFromArray(f);
    } else if (v instanceof double[] d) {
      flat = Nd4j.createFromArray(d);
    } else if (v instanceof long[] l) {
      flat = Nd4j.createFromArray(l);
    } else {
      flat = Nd4j.createFromArray((int[]) v);
    }
    return flat.reshape('c', shapes[i]).castTo(DataType.valueOf(types[i]));
  }

  /**
   * A floating array of the same name, type and shape as array {@code i}, holding the given
   * values (rounded to the array's type).
   *
   * @param i the index
   * @param newValues the values in C order
   * @return a new array
   */
  public INDArray floatingLike(int i, double[] newValues) {
    INDArray flat = values[i] instanceof float[]
        ? Nd4j.createFromArray(toFloats(newValues))
        : Nd4j.createFromArray(newValues.clone());
    return flat.reshape('c', shapes[i]);
  }

  private static float[] toFloats(double[] values) {
    float[] out = new float[values.length];
    for (int j = 0; j < values.length; j++) {
      out[j] = (float) values[j];
    }
    return out;
  }
}
