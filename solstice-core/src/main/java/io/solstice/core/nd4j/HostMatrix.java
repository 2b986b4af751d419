package io.solstice.core.nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An ND4J matrix as OpenBLAS and Java loops take it, looked up once: its shape, and, when it is
 * dense row-major float32 or float64 host memory, a pointer to its first value and a buffer over
 * exactly its values (a view into a larger buffer included, such as one parameter of a flat
 * parameter vector).
 *
 * <p>Why: asking ND4J for an array's address is a call into its native buffer, and for its shape
 * a walk over several of its objects. A model that keeps its arrays (parameters, gradients,
 * per-batch-size buffers) holds one {@code HostMatrix} per array and asks once. With a thousand
 * small models taking turns on a core, those asks found each model's objects out of the cache
 * and were a third of a step's Java time (JFR of {@code benchmarks/bench manyruns}).
 *
 * <p>Valid for as long as the array keeps its memory, which ND4J's host arrays do for life.
 *
 * <p>Thread safety: immutable; {@link #bytes()} must only be read and written by absolute index.
 */
public final class HostMatrix {
  private final INDArray array;
  private final int rows;
  private final int columns;
  private final DataType type;
  /** A FloatPointer or DoublePointer at the first value, or null when not host memory. */
  private final Pointer pointer;
  private final ByteBuffer bytes;

  private HostMatrix(INDArray array, int rows, int columns, Pointer pointer, ByteBuffer bytes) {
    this.array = array;
    this.rows = rows;
    this.columns = columns;
    this.type = array.dataType();
    this.pointer = pointer;
    this.bytes = bytes;
  }

  /**
   * Looks the array up.
   *
   * @param array any array
   * @return its matrix; {@link #onHost()} says whether OpenBLAS and Java loops can take it
   */
  public static HostMatrix of(INDArray array) {
    DataType type = array.dataType();
    // OpenBLAS is available only on ND4J's CPU backend, so this also leaves GPU memory to ND4J.
    if (!OpenBlas.available() || (type != DataType.FLOAT && type != DataType.DOUBLE) || !denseRowMajor(array)) {
      return new HostMatrix(array, -1, -1, null, null);
    }
    long[] shape = array.shape();
    int rows = (int) shape[0];
    int columns = (int) shape[1];
    long start = array.offset() - array.data().offset();
    long end = start + (long) rows * columns;
    // A view's buffer may itself begin at an offset into the memory it shares; its address
    // already points there, so the start counts from the buffer's own offset.
    Pointer pointer = type == DataType.FLOAT
        ? new FloatPointer(array.data().addressPointer()).position(start).limit(end)
        : new DoublePointer(array.data().addressPointer()).position(start).limit(end);
    // A buffer holds at most 2 GiB; OpenBLAS takes larger matrices through the pointer alone.
    ByteBuffer bytes = (end - start) * type.width() > Integer.MAX_VALUE ? null
        : pointer.asByteBuffer().order(ByteOrder.nativeOrder());
    return new HostMatrix(array, rows, columns, pointer, bytes);
  }

  /** The array itself, for ND4J where the matrix is not on the host. */
  public INDArray array() {
    return array;
  }

  /** Whether the matrix is dense row-major float32 or float64 host memory OpenBLAS can take. */
  public boolean onHost() {
    return pointer != null;
  }

  /** Rows; only when {@link #onHost()}. */
  public int rows() {
    return rows;
  }

  /** Columns; only when {@link #onHost()}. */
  public int columns() {
    return columns;
  }

  /** The values' type. */
  public DataType type() {
    return type;
  }

  /**
   * The matrix's values in native order, row after row; null unless {@link #onHost()}, and for a
   * matrix of more than 2 GiB.
   */
  public ByteBuffer bytes() {
    return bytes;
  }

  FloatPointer floats() {
    return (FloatPointer) pointer;
  }

  DoublePointer doubles() {
    return (DoublePointer) pointer;
  }

  /**
   * A rank-2 array of at most {@code Integer.MAX_VALUE} values whose rows lie one after the other
   * in one buffer. Read from ND4J's Java-side shape and strides: {@code size(i)} and {@code
   * stride(i)} each test whether the array is a scalar first.
   */
  private static boolean denseRowMajor(INDArray array) {
    if (array.rank() != 2) {
      return false;
    }
    long[] shape = array.shape();
    long rows = shape[0];
    long columns = shape[1];
    if (rows < 1 || columns < 1 || rows * columns > Integer.MAX_VALUE || array.offset() < array.data().offset()) {
      return false;
    }
    long[] stride = array.stride();
    // A one-row matrix's first stride is never used; ND4J may record anything there.
    return stride[1] == 1 && (rows == 1 || stride[0] == columns);
  }
}
