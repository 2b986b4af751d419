package io.solstice.cuda;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.BatchPosition;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * Builds real Arrow batches of a {@code FixedSizeList<Float32>} feature column "x" and an
 * integer label column "y", as the CUDA path reads them (tests and the GPU check).
 */
public final class ArrowBatches {

  /** The feature column's name. */
  public static final String FEATURES = "x";
  /** The label column's name. */
  public static final String LABELS = "y";

  private ArrowBatches() {}

  /**
   * A batch of rows x width features (row-major) and Int32 labels.
   *
   * @param allocator the allocator the batch's buffers come from
   * @param features rows * width values
   * @param width features per row
   * @param labels one class index per row
   * @param index the batch's index in its source, for its position
   * @return the batch, owned by the caller
   */
  public static ArrowBatch of(
      BufferAllocator allocator, float[] features, int width, long[] labels, long index) {
    return of(allocator, features, width, labels, Integer.BYTES, index);
  }

  /**
   * A batch with labels of the given byte width (1, 2, 4 or 8).
   *
   * @param allocator the allocator
   * @param features rows * width values
   * @param width features per row
   * @param labels one class index per row
   * @param labelBytes 1, 2, 4 or 8
   * @param index the batch's index
   * @return the batch
   */
  public static ArrowBatch of(
      BufferAllocator allocator, float[] features, int width, long[] labels, int labelBytes,
      long index) {
    return of(allocator, littleEndian(features), width, labels, labelBytes, index);
  }

  /**
   * A batch whose features are given as their little-endian float32 bytes (fast: one bulk
   * copy, for benchmarks that make many batches).
   *
   * @param allocator the allocator
   * @param featureBytes rows * width * 4 bytes
   * @param width features per row
   * @param labels one class index per row
   * @param labelBytes 1, 2, 4 or 8
   * @param index the batch's index
   * @return the batch
   */
  public static ArrowBatch of(
      BufferAllocator allocator, byte[] featureBytes, int width, long[] labels, int labelBytes,
      long index) {
    int rows = labels.length;
    if (featureBytes.length != rows * width * Float.BYTES) {
      throw new IllegalArgumentException(featureBytes.length + " feature bytes for " + rows + " rows of " + width);
    }
    FixedSizeListVector list = FixedSizeListVector.empty(FEATURES, width, allocator);
    BaseFixedWidthVector y = labelVector(allocator, labelBytes);
    try {
      list.addOrGetVector(FieldType.notNullable(new ArrowType.FloatingPoint(
          org.apache.arrow.vector.types.FloatingPointPrecision.SINGLE)));
      list.allocateNew();
      Float4Vector values = (Float4Vector) list.getDataVector();
      values.allocateNew(rows * width);
      values.getDataBuffer().setBytes(0, featureBytes);
      values.getValidityBuffer().setOne(0L, values.getValidityBuffer().capacity());
      values.setValueCount(rows * width);
      for (int r = 0; r < rows; r++) {
        list.setNotNull(r);
      }
      list.setValueCount(rows);
      y.allocateNew(rows);
      for (int r = 0; r < rows; r++) {
        setLabel(y, r, labels[r]);
      }
      y.setValueCount(rows);
      VectorSchemaRoot root = new VectorSchemaRoot(List.<FieldVector>of(list, y));
      root.setRowCount(rows);
      return new ArrowBatch(root, Map.of(), new BatchPosition("test", 0, index), null);
    } catch (RuntimeException | Error e) {
      list.close();
      y.close();
      throw e;
    }
  }

  /** The little-endian bytes of float32 values. */
  public static byte[] littleEndian(float[] values) {
    java.nio.ByteBuffer bytes =
        java.nio.ByteBuffer.allocate(values.length * Float.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    return bytes.array();
  }

  private static BaseFixedWidthVector labelVector(BufferAllocator allocator, int bytes) {
    return switch (bytes) {
      case 1 -> new TinyIntVector(LABELS, allocator);
      case 2 -> new SmallIntVector(LABELS, allocator);
      case 4 -> new IntVector(LABELS, allocator);
      case 8 -> new BigIntVector(LABELS, allocator);
      default -> throw new IllegalArgumentException("label width " + bytes);
    };
  }

  private static void setLabel(BaseFixedWidthVector vector, int row, long value) {
    if (vector instanceof TinyIntVector v) {
      v.set(row, (byte) value);
    } else if (vector instanceof SmallIntVector v) {
      v.set(row, (short) value);
    } else if (vector instanceof IntVector v) {
      v.set(row, (int) value);
    } else {
      ((BigIntVector) vector).set(row, value);
    }
  }
}
