package io.solstice.online.linear;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ColumnTypeException;
import io.solstice.arrow.ListWidthException;
import io.solstice.arrow.MissingColumnException;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;

/**
 * Reads a batch's {@code FixedSizeList<Float32>} feature column and its label column straight
 * from the Arrow buffers, row by row, without building tensors: the online models' whole input
 * path. Labels are Int32 classes or Float32/Float64 targets.
 */
final class LabeledRows {
  private final ArrowBuf features;
  private final FieldVector labels;
  private final int rows;
  private final int width;

  LabeledRows(ArrowBatch batch, String featureColumn, String labelColumn, int expectedWidth) {
    FieldVector column = vector(batch, featureColumn);
    if (!(column instanceof FixedSizeListVector list) || !(list.getDataVector() instanceof Float4Vector values)) {
      throw new ColumnTypeException(featureColumn,
          "column '" + featureColumn + "' must be FixedSizeList<Float32>, was " + column.getField().getType());
    }
    if (list.getListSize() != expectedWidth) {
      throw new ListWidthException(featureColumn,
          "column '" + featureColumn + "' has " + list.getListSize() + " values per row, the model "
              + expectedWidth);
    }
    if (list.getNullCount() > 0 || values.getNullCount() > 0) {
      throw new ColumnTypeException(featureColumn, "column '" + featureColumn + "' has nulls");
    }
    this.features = values.getDataBuffer();
    this.labels = vector(batch, labelColumn);
    if (labels.getNullCount() > 0) {
      throw new ColumnTypeException(labelColumn, "column '" + labelColumn + "' has nulls");
    }
    this.rows = batch.root().getRowCount();
    this.width = expectedWidth;
  }

  private static FieldVector vector(ArrowBatch batch, String name) {
    FieldVector vector = batch.root().getVector(name);
    if (vector == null) {
      throw new MissingColumnException(name, "no column '" + name + "' in " + batch.root().getSchema());
    }
    return vector;
  }

  int rows() {
    return rows;
  }

  /** Copies row {@code r}'s features into {@code x}. */
  void features(int r, float[] x) {
    long offset = (long) r * width * Float.BYTES;
    for (int i = 0; i < width; i++) {
      x[i] = features.getFloat(offset + (long) i * Float.BYTES);
    }
  }

  int classLabel(int r, String labelColumn) {
    if (labels instanceof IntVector ints) {
      return ints.get(r);
    }
    throw new ColumnTypeException(labelColumn,
        "column '" + labelColumn + "' must be Int32 class labels, was " + labels.getField().getType());
  }

  double target(int r, String labelColumn) {
    if (labels instanceof Float4Vector floats) {
      return floats.get(r);
    }
    if (labels instanceof Float8Vector doubles) {
      return doubles.get(r);
    }
    if (labels instanceof IntVector ints) {
      return ints.get(r);
    }
    throw new ColumnTypeException(labelColumn,
        "column '" + labelColumn + "' must be a number, was " + labels.getField().getType());
  }
}
