package io.solstice.arrow.internal;

import io.solstice.arrow.CorruptIpcException;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.pointers.PagedPointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Wraps an Arrow buffer's memory as an INDArray without copying. Nothing in ND4J knows about
 * the ArrowBuf, so the buffer's reference count is raised while the array lives and the
 * matching release is handed back to the caller, who runs it after the array is closed.
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
public final class ZeroCopy {
  private ZeroCopy() {}

  /**
   * Wraps {@code elements} values of {@code type} starting at the buffer's first byte, in C
   * order with the given shape.
   *
   * @param buffer the Arrow data buffer (already positioned at the vector's first value)
   * @param column the column, for messages
   * @param type FLOAT, DOUBLE, INT32 or INT64
   * @param shape the array shape; its product is the element count
   * @param releases receives the release to run once the array is closed
   * @return the array over the buffer's memory
   */
  public static INDArray wrap(ArrowBuf buffer, String column, DataType type, long[] shape, List<Runnable> releases) {
    return wrap(buffer, 0, column, type, shape, releases);
  }

  /**
   * Wraps values starting {@code byteOffset} bytes into the buffer (for list columns whose
   * first offset is not 0).
   *
   * @param buffer the Arrow data buffer
   * @param byteOffset where the first value starts
   * @param column the column, for messages
   * @param type FLOAT, DOUBLE, INT32 or INT64
   * @param shape the array shape; its product is the element count
   * @param releases receives the release to run once the array is closed
   * @return the array over the buffer's memory
   */
  public static INDArray wrap(ArrowBuf buffer, long byteOffset, String column, DataType type, long[] shape,
      List<Runnable> releases) {
    long elements = 1;
    for (long s : shape) {
      elements *= s;
    }
    long bytes = elements * type.width();
    if (byteOffset < 0 || buffer.capacity() - byteOffset < bytes) {
      throw new CorruptIpcException(column, "data buffer holds " + buffer.capacity() + " bytes but "
          + elements + " values of " + type + " from byte " + byteOffset + " need " + bytes
          + "; the input is corrupt");
    }
    if (elements == 0) {
      return Nd4j.create(type, shape);
    }
    PagedPointer raw = new PagedPointer(buffer.memoryAddress() + byteOffset);
    Pointer typed;
    if (type == DataType.FLOAT) {
      typed = new FloatPointer(raw);
    } else if (type == DataType.DOUBLE) {
      typed = new DoublePointer(raw);
    } else if (type.isIntType() && type.width() == Integer.BYTES) {
      typed = new IntPointer(raw);
    } else if (type.isIntType() && type.width() == Long.BYTES) {
      typed = new LongPointer(raw);
    } else {
      throw new IllegalArgumentException("cannot wrap " + type);
    }
    typed.capacity(elements);
    typed.limit(elements);
    buffer.getReferenceManager().retain();
    try {
      DataBuffer data = Nd4j.createBuffer(typed, elements, type);
      INDArray array = Nd4j.create(data, shape, Nd4j.getStrides(shape, 'c'), 0, 'c', type);
      releases.add(() -> buffer.getReferenceManager().release());
      return array;
    } catch (RuntimeException | Error e) {
      buffer.getReferenceManager().release();
      throw e;
    }
  }
}
