package io.solstice.arrow.internal;

import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Writes values straight into a fresh C-order INDArray's memory (through a direct NIO view,
 * not one JNI call per element), for the paths that must copy: gathering several columns,
 * converting dtypes, filling nulls, mapping labels.
 *
 * <p>Thread safety: not thread-safe; one thread fills one array.
 */
public final class ArrayFiller {
  private final INDArray array;
  private final Buffer view;

  /**
   * Allocates the array.
   *
   * @param type FLOAT, DOUBLE, INT32 or INT64
   * @param shape the shape
   */
  public ArrayFiller(DataType type, long... shape) {
    this.array = Nd4j.createUninitialized(type, shape, 'c');
    this.view = viewOf(array, type);
  }

  private static Buffer viewOf(INDArray array, DataType type) {
    if (type.isFPType() && type.width() == Float.BYTES) {
      return array.data().asNioFloat();
    } else if (type.isFPType() && type.width() == Double.BYTES) {
      return array.data().asNioDouble();
    } else if (type.isIntType() && type.width() == Integer.BYTES) {
      return array.data().asNioInt();
    } else if (type.isIntType() && type.width() == Long.BYTES) {
      return array.data().asNioLong();
    }
    throw new IllegalArgumentException("unsupported array type " + type + "; use FLOAT, DOUBLE, INT32 or INT64");
  }

  /**
   * Sets the element at a flat C-order index.
   *
   * @param index the flat index
   * @param value the value, converted to the array's type
   */
  public void put(int index, double value) {
    if (view instanceof FloatBuffer f) {
      f.put(index, (float) value);
    } else if (view instanceof DoubleBuffer d) {
      d.put(index, value);
    } else if (view instanceof IntBuffer i) {
      i.put(index, (int) value);
    } else {
      ((LongBuffer) view).put(index, (long) value);
    }
  }

  /**
   * The filled array.
   *
   * @return the array
   */
  public INDArray array() {
    return array;
  }
}
