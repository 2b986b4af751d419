package io.solstice.core.nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The memory of an ND4J array as a {@link ByteBuffer}, without copying, when that is safe:
 * a float32 or float64 array on the CPU backend that is exactly its buffer (C order, no
 * offset, not a view, as long as the buffer). Code that loops over such arrays in Java
 * (a scan, an optimizer update) reads and writes the array's own memory through it.
 *
 * <p>Thread safety: thread-safe (it keeps no state); the buffer it returns aliases the array's
 * memory and is as safe to share as the array.
 */
public final class HostBytes {

  private HostBytes() {}

  /**
   * The array's bytes in native order, or null when the array is anything else (a view, a
   * strided or offset array, another data type, GPU memory, more than {@code Integer.MAX_VALUE /
   * 8} values: 2 GiB of doubles, 1 GiB of floats).
   *
   * @param array the array
   * @return a buffer over exactly the array's values, or null
   */
  public static ByteBuffer of(INDArray array) {
    DataType type = array.dataType();
    if (!Nd4j.getEnvironment().isCPU() || (type != DataType.FLOAT && type != DataType.DOUBLE)
        || array.isView() || array.ordering() != 'c' || array.offset() != 0
        || array.data().offset() != 0 || array.data().length() != array.length()
        || array.length() > Integer.MAX_VALUE / 8) {
      return null;
    }
    ByteBuffer bytes = array.data().asNio();
    long size = array.length() * type.width();
    if (bytes == null || bytes.capacity() < size) {
      return null;
    }
    return bytes.duplicate().limit((int) size).slice().order(ByteOrder.nativeOrder());
  }
}
