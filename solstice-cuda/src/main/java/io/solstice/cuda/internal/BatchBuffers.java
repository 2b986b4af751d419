package io.solstice.cuda.internal;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ColumnTypeException;
import io.solstice.arrow.CorruptIpcException;
import io.solstice.arrow.LabelRangeException;
import io.solstice.arrow.MissingColumnException;
import io.solstice.arrow.NullValueException;
import io.solstice.cuda.DeviceColumns;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;

/**
 * Where the feature and label values of an {@link ArrowBatch} lie in Arrow's off-heap memory,
 * after checking that they can be copied to the device as they are: a
 * {@code FixedSizeList<Float32>} feature column without nulls, a signed integer label column
 * without nulls whose values are class indices. Everything is checked on the host, in the
 * prefetch stage, so that a bad batch fails with a message naming its column before anything
 * reaches the device.
 *
 * @param rows the batch's rows
 * @param width values per feature row
 * @param featuresAddress the first feature value
 * @param featureBytes rows * width * 4
 * @param labelsAddress the first label
 * @param labelBytes rows * labelWidth
 * @param labelWidth bytes per label: 1, 2, 4 or 8
 */
public record BatchBuffers(
    int rows, int width, long featuresAddress, long featureBytes, long labelsAddress,
    long labelBytes, int labelWidth) {

  /**
   * Locates and checks the columns of a batch.
   *
   * @param batch an open batch (not closed here)
   * @param columns the columns to read
   * @return the buffers
   * @throws io.solstice.arrow.ArrowDataException naming the column when it is missing, of
   *     another type, holds nulls, holds a label outside [0, classes) or is shorter than its
   *     rows
   */
  public static BatchBuffers locate(ArrowBatch batch, DeviceColumns columns) {
    VectorSchemaRoot root = batch.root();
    int rows = root.getRowCount();
    FieldVector featureColumn = column(root, columns.features());
    if (!(featureColumn instanceof FixedSizeListVector list)
        || !(list.getDataVector() instanceof Float4Vector values)) {
      throw new ColumnTypeException(
          columns.features(), "the device path reads FixedSizeList<Float32> features, found "
              + featureColumn.getField().getType()
              + (featureColumn instanceof FixedSizeListVector list
                  ? "<" + list.getDataVector().getField().getType() + ">" : ""));
    }
    int width = list.getListSize();
    if (list.getNullCount() > 0 || values.getNullCount() > 0) {
      throw new NullValueException(
          columns.features(), "holds null features; the device path copies values as they are, "
              + "so clean the data first");
    }
    long featureBytes = (long) rows * width * Float.BYTES;
    long featuresAddress = address(values.getDataBuffer(), featureBytes, columns.features());

    FieldVector labelColumn = column(root, columns.label());
    int labelWidth = labelWidth(labelColumn, columns.label());
    if (labelColumn.getNullCount() > 0) {
      throw new NullValueException(columns.label(), "holds " + labelColumn.getNullCount() + " null labels");
    }
    BaseIntVector labels = (BaseIntVector) labelColumn;
    for (int i = 0; i < rows; i++) {
      long label = labels.getValueAsLong(i);
      if (label < 0 || label >= columns.classes()) {
        throw new LabelRangeException(
            columns.label(), "row " + i + " of batch " + batch.position() + " holds label " + label
                + "; expected a class index in [0, " + columns.classes() + ")");
      }
    }
    long labelBytes = (long) rows * labelWidth;
    long labelsAddress = address(labelColumn.getDataBuffer(), labelBytes, columns.label());
    return new BatchBuffers(
        rows, width, featuresAddress, featureBytes, labelsAddress, labelBytes, labelWidth);
  }

  private static FieldVector column(VectorSchemaRoot root, String name) {
    FieldVector vector = root.getVector(name);
    if (vector == null) {
      throw MissingColumnException.notAmong(
          name, "not in the batch", root.getSchema().getFields().stream().map(f -> f.getName()).toList());
    }
    return vector;
  }

  private static int labelWidth(FieldVector labels, String name) {
    if (labels.getField().getDictionary() == null) {
      if (labels instanceof TinyIntVector) {
        return 1;
      } else if (labels instanceof SmallIntVector) {
        return 2;
      } else if (labels instanceof IntVector) {
        return 4;
      } else if (labels instanceof BigIntVector) {
        return 8;
      }
    }
    throw new ColumnTypeException(
        name, "the device path reads class indices from a signed integer column (Int8, Int16, "
            + "Int32, Int64) without a dictionary, found " + labels.getField().getType()
            + (labels.getField().getDictionary() == null ? "" : " (dictionary-encoded)"));
  }

  private static long address(ArrowBuf buffer, long bytes, String column) {
    if (buffer.capacity() < bytes) {
      throw new CorruptIpcException(
          column, "data buffer holds " + buffer.capacity() + " bytes but the rows need " + bytes
              + "; the input is corrupt");
    }
    return buffer.memoryAddress();
  }
}
