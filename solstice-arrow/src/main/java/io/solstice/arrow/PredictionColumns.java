package io.solstice.arrow;

import io.solstice.arrow.internal.SharedBuffers;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The columns a prediction adds to a batch: {@link ArrowFlux#PREDICTION} (int32, the arg-max
 * class), {@link ArrowFlux#PROBABILITIES} ({@code FixedSizeList<Float32>}, one value per class,
 * as the model gave them) and {@link ArrowFlux#MODEL_VERSION} (int64, the version that made the
 * row's prediction). Newly allocated; the caller owns them.
 */
final class PredictionColumns {
  private PredictionColumns() {}

  static List<FieldVector> of(INDArray probabilities, int rows, long version, BufferAllocator allocator) {
    if (probabilities.rank() != 2 || probabilities.size(0) != rows || probabilities.size(1) < 1) {
      throw new IllegalArgumentException("the model must give [" + rows + ", classes] probabilities but gave "
          + Arrays.toString(probabilities.shape()));
    }
    int classes = (int) probabilities.size(1);
    List<FieldVector> columns = new ArrayList<>(3);
    try {
      columns.add(predictions(probabilities, rows, allocator));
      columns.add(probabilityLists(probabilities, rows, classes, allocator));
      columns.add(versions(rows, version, allocator));
      return columns;
    } catch (RuntimeException | Error e) {
      SharedBuffers.closeAfterFailure(e, columns);
      throw e;
    }
  }

  private static IntVector predictions(INDArray probabilities, int rows, BufferAllocator allocator) {
    IntVector out = new IntVector(Field.notNullable(ArrowFlux.PREDICTION, new ArrowType.Int(32, true)), allocator);
    try {
      out.allocateNew(rows);
      int[] classes = rows == 0 ? new int[0] : probabilities.argMax(1).toIntVector();
      for (int r = 0; r < rows; r++) {
        out.set(r, classes[r]);
      }
      out.setValueCount(rows);
      return out;
    } catch (RuntimeException | Error e) {
      out.close();
      throw e;
    }
  }

  private static FixedSizeListVector probabilityLists(INDArray probabilities, int rows, int classes,
      BufferAllocator allocator) {
    Field item = new Field("item", FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
        null);
    Field field = new Field(ArrowFlux.PROBABILITIES, FieldType.notNullable(new ArrowType.FixedSizeList(classes)),
        List.of(item));
    FixedSizeListVector out = (FixedSizeListVector) field.createVector(allocator);
    try {
      out.allocateNew();
      Float4Vector values = (Float4Vector) out.getDataVector();
      int count = rows * classes;
      values.allocateNew(count);
      if (count > 0) {
        INDArray floats = probabilities.castTo(DataType.FLOAT).dup('c');
        try {
          ByteBuffer bytes = floats.data().asNio().order(ByteOrder.nativeOrder());
          bytes.limit(count * Float.BYTES);
          values.getDataBuffer().setBytes(0, bytes);
        } finally {
          floats.close();
        }
      }
      for (int i = 0; i < count; i++) {
        values.setIndexDefined(i);
      }
      for (int r = 0; r < rows; r++) {
        out.setNotNull(r);
      }
      values.setValueCount(count);
      out.setValueCount(rows);
      return out;
    } catch (RuntimeException | Error e) {
      out.close();
      throw e;
    }
  }

  private static BigIntVector versions(int rows, long version, BufferAllocator allocator) {
    BigIntVector out = new BigIntVector(Field.notNullable(ArrowFlux.MODEL_VERSION, new ArrowType.Int(64, true)),
        allocator);
    try {
      out.allocateNew(rows);
      for (int r = 0; r < rows; r++) {
        out.set(r, version);
      }
      out.setValueCount(rows);
      return out;
    } catch (RuntimeException | Error e) {
      out.close();
      throw e;
    }
  }
}
