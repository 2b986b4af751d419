package io.solstice.online.linear;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ColumnTypeException;
import io.solstice.arrow.ListWidthException;
import io.solstice.arrow.MissingColumnException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;

/**
 * The online models' whole input path: copies a batch's {@code FixedSizeList<Float32>} feature
 * column and its label column out of the Arrow buffers into reused Java arrays, one bulk copy per
 * column, so the per-row loops read plain arrays with no Arrow call and no bounds check per value.
 * Labels are Int32 classes or Float32/Float64/Int32 targets. The arrays have the length of the
 * last batch and are reused while batches keep their size (the usual case: no allocation per
 * batch); a model reads one batch at a time (not thread-safe).
 */
final class LabeledRows {
  private final String featureColumn;
  private final String labelColumn;
  private final int width;
  private float[] features = new float[0];
  private int[] classes = new int[0];
  private double[] targets = new double[0];
  private int rows;

  LabeledRows(String featureColumn, String labelColumn, int width) {
    this.featureColumn = featureColumn;
    this.labelColumn = labelColumn;
    this.width = width;
  }

  /** Reads the features and the Int32 class labels of a batch. */
  void readClasses(ArrowBatch batch) {
    FieldVector labels = readFeatures(batch);
    if (!(labels instanceof IntVector)) {
      throw new ColumnTypeException(labelColumn,
          "column '" + labelColumn + "' must be Int32 class labels, was " + labels.getField().getType());
    }
    if (classes.length != rows) {
      classes = new int[rows];
    }
    if (rows > 0) {
      view(labels.getDataBuffer(), (long) rows * Integer.BYTES).asIntBuffer().get(classes, 0, rows);
    }
  }

  /** Reads the features and the numeric targets (Float32, Float64 or Int32) of a batch. */
  void readTargets(ArrowBatch batch) {
    FieldVector labels = readFeatures(batch);
    if (targets.length != rows) {
      targets = new double[rows];
    }
    if (labels instanceof Float8Vector) {
      if (rows > 0) {
        view(labels.getDataBuffer(), (long) rows * Double.BYTES).asDoubleBuffer().get(targets, 0, rows);
      }
    } else if (labels instanceof Float4Vector floats) {
      for (int r = 0; r < rows; r++) {
        targets[r] = floats.get(r);
      }
    } else if (labels instanceof IntVector ints) {
      for (int r = 0; r < rows; r++) {
        targets[r] = ints.get(r);
      }
    } else {
      throw new ColumnTypeException(labelColumn,
          "column '" + labelColumn + "' must be a number, was " + labels.getField().getType());
    }
  }

  /** Checks both columns, copies the features and returns the label column. */
  private FieldVector readFeatures(ArrowBatch batch) {
    FieldVector column = vector(batch, featureColumn);
    if (!(column instanceof FixedSizeListVector list) || !(list.getDataVector() instanceof Float4Vector values)) {
      throw new ColumnTypeException(featureColumn,
          "column '" + featureColumn + "' must be FixedSizeList<Float32>, was " + column.getField().getType());
    }
    if (list.getListSize() != width) {
      throw new ListWidthException(featureColumn,
          "column '" + featureColumn + "' has " + list.getListSize() + " values per row, the model " + width);
    }
    if (list.getNullCount() > 0 || values.getNullCount() > 0) {
      throw new ColumnTypeException(featureColumn, "column '" + featureColumn + "' has nulls");
    }
    FieldVector labels = vector(batch, labelColumn);
    if (labels.getNullCount() > 0) {
      throw new ColumnTypeException(labelColumn, "column '" + labelColumn + "' has nulls");
    }
    rows = batch.root().getRowCount();
    int count = Math.multiplyExact(rows, width);
    if (features.length != count) {
      features = new float[count];
    }
    if (count > 0) {
      view(values.getDataBuffer(), (long) count * Float.BYTES).asFloatBuffer().get(features, 0, count);
    }
    return labels;
  }

  /** The first {@code bytes} of an Arrow buffer as a little-endian view (no copy). */
  private static ByteBuffer view(ArrowBuf buffer, long bytes) {
    return buffer.nioBuffer(0, Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static FieldVector vector(ArrowBatch batch, String name) {
    FieldVector vector = batch.root().getVector(name);
    if (vector == null) {
      throw MissingColumnException.notAmong(name, "not in the batch",
          batch.root().getSchema().getFields().stream().map(f -> f.getName()).toList());
    }
    return vector;
  }

  /** The rows of the last batch read. */
  int rows() {
    return rows;
  }

  /** The features of the last batch read, row-major: row {@code r} starts at {@code r * width}. */
  float[] features() {
    return features;
  }

  /** The class labels of the last batch read by {@link #readClasses}, one per row. */
  int[] classes() {
    return classes;
  }

  /** The targets of the last batch read by {@link #readTargets}, one per row. */
  double[] targets() {
    return targets;
  }
}
