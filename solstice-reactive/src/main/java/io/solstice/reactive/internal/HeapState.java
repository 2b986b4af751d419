package io.solstice.reactive.internal;

import io.solstice.core.NamedArrays;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A copy of an experiment's named arrays in heap memory, for {@link
 * io.solstice.reactive.ModelPublisher}. Taking it costs the training thread one memory copy per
 * array, read in place from the array's native memory, into byte arrays that a previous copy
 * may lend ({@link #of(NamedArrays, HeapState)}): no native allocation, which is what makes
 * {@link NamedArrays#copy()} several times slower (every fresh native buffer is allocated and
 * faulted in). Turning the copy back into arrays ({@link #toArrays()}) allocates those native
 * buffers on the thread that asks.
 *
 * <p>Thread safety: not changed once taken, until it is handed to {@link #of(NamedArrays,
 * HeapState)} for reuse; {@link #toArrays()} may run on any thread, also concurrently.
 */
public final class HeapState {

  private final List<Entry> entries;

  private HeapState(List<Entry> entries) {
    this.entries = entries;
  }

  /** One array: its name, type, shape, and its values in C order and native byte order. */
  private record Entry(String name, DataType type, long[] shape, byte[] bytes) {

    /** Copies the array's values into {@link #bytes}, which has exactly their size. */
    void fill(INDArray array) {
      ByteBuffer values = inPlace(array, true);
      if (values != null) {
        values.get(bytes);
        return;
      }
      // A fresh dense copy is its own buffer from offset 0: read it without checking.
      try (INDArray dense = array.dup('c')) {
        ByteBuffer denseValues = inPlace(dense, false);
        if (denseValues == null) {
          throw new IllegalStateException("cannot read the memory of array '" + name + "' (" + type
              + ", " + (Nd4j.getEnvironment().isCPU() ? "CPU" : "not on the CPU") + ")");
        }
        denseValues.get(bytes);
      }
    }
  }

  /**
   * Copies every array of {@code state} into the heap.
   *
   * @param state the arrays to copy; read, not changed
   * @return the copy
   */
  public static HeapState of(NamedArrays state) {
    return of(state, null);
  }

  /**
   * Copies every array of {@code state} into the heap, into the byte arrays of {@code reuse} when
   * it holds arrays of the same names, types and shapes (saving the allocation, zeroing and
   * garbage of fresh ones), and into new ones otherwise. {@code reuse} must be no one's any more:
   * the copy may overwrite it.
   *
   * @param state the arrays to copy; read, not changed
   * @param reuse a copy whose memory may be written over, or null
   * @return the copy ({@code reuse} itself when it fitted)
   */
  public static HeapState of(NamedArrays state, HeapState reuse) {
    if (reuse != null && reuse.fits(state)) {
      int i = 0;
      for (INDArray array : state.asMap().values()) {
        reuse.entries.get(i++).fill(array);
      }
      return reuse;
    }
    List<Entry> entries = new ArrayList<>(state.size());
    state.asMap().forEach((name, array) -> {
      Entry entry = new Entry(name, array.dataType(), array.shape(),
          new byte[Math.toIntExact(array.length() * array.dataType().width())]);
      entry.fill(array);
      entries.add(entry);
    });
    return new HeapState(entries);
  }

  private boolean fits(NamedArrays state) {
    if (state.size() != entries.size()) {
      return false;
    }
    int i = 0;
    for (Map.Entry<String, INDArray> named : state.asMap().entrySet()) {
      Entry e = entries.get(i++);
      INDArray array = named.getValue();
      if (!e.name().equals(named.getKey()) || e.type() != array.dataType()
          || !java.util.Arrays.equals(e.shape(), array.shape())) {
        return false;
      }
    }
    return true;
  }

  /**
   * New arrays holding the copied values, in the original order.
   *
   * @return the arrays, owned by the caller
   */
  public NamedArrays toArrays() {
    Map<String, INDArray> arrays = new LinkedHashMap<>();
    for (Entry e : entries) {
      INDArray array = Nd4j.createUninitialized(e.type(), e.shape(), 'c');
      if (e.bytes().length > 0) {
        array.data().asNio().duplicate().put(e.bytes());
      }
      arrays.put(e.name(), array);
    }
    return NamedArrays.of(arrays);
  }

  /**
   * The array's values read in place, when it is a dense C-order block of CPU memory (a view into
   * a flat parameter buffer is fine); null otherwise. The first and last values are compared with
   * what ND4J reads, so a layout this class does not understand falls back to a dense copy.
   */
  private static ByteBuffer inPlace(INDArray array, boolean check) {
    long length = array.length();
    int width = array.dataType().width();
    if (length == 0) {
      return ByteBuffer.allocate(0);
    }
    if (!Nd4j.getEnvironment().isCPU() || array.ordering() != 'c'
        || (length > 1 && array.elementWiseStride() != 1) || length * width > Integer.MAX_VALUE) {
      return null;
    }
    ByteBuffer all = array.data().asNio();
    long start = array.offset() * width;
    if (all == null || start + length * width > all.capacity()) {
      return null;
    }
    ByteBuffer values = all.duplicate().order(ByteOrder.nativeOrder());
    values.limit((int) (start + length * width)).position((int) start);
    values = values.slice().order(ByteOrder.nativeOrder());
    if (check && !(sameAt(array, values, 0) && sameAt(array, values, length - 1))) {
      return null;
    }
    return values;
  }

  private static boolean sameAt(INDArray array, ByteBuffer values, long index) {
    int at = (int) (index * array.dataType().width());
    return switch (array.dataType()) {
      case FLOAT -> Float.floatToRawIntBits(values.getFloat(at)) == Float.floatToRawIntBits(array.getFloat(index));
      case DOUBLE -> Double.doubleToRawLongBits(values.getDouble(at))
          == Double.doubleToRawLongBits(array.getDouble(index));
      case LONG -> values.getLong(at) == array.getLong(index);
      case INT -> values.getInt(at) == (int) array.getLong(index);
      default -> false; // other types take the dense copy
    };
  }
}
