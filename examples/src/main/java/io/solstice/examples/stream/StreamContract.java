package io.solstice.examples.stream;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ColumnTypeException;
import io.solstice.arrow.LabelRangeException;
import io.solstice.arrow.LabeledSchema;
import io.solstice.arrow.ListWidthException;
import io.solstice.arrow.MissingColumnException;
import io.solstice.arrow.NullValueException;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;

/**
 * What a stream must hold for {@code solstice stream} to learn from it, and the one place that
 * checks it: numeric feature columns (several scalar columns, integer or floating point, or one
 * {@code FixedSizeList} of floats of {@code width} values) and an integer label column with classes
 * in {@code [0, classes)}, without nulls. {@link #conform} turns each batch into the {@link
 * LabeledSchema} layout both models read; a batch already in it passes through without a copy.
 *
 * @param featureColumns the feature columns, in order
 * @param label the label column
 * @param width features per row
 * @param classes the number of classes
 */
public record StreamContract(List<String> featureColumns, String label, int width, int classes) {

  /** Copies the column names and checks the sizes. */
  public StreamContract {
    featureColumns = List.copyOf(featureColumns);
    if (featureColumns.isEmpty() || width < 1 || classes < 2) {
      throw new IllegalArgumentException("need feature columns, a width of at least 1 and at least 2 classes");
    }
    if (featureColumns.size() > 1 && featureColumns.size() != width) {
      throw new IllegalArgumentException(featureColumns.size() + " feature columns give " + featureColumns.size()
          + " features per row, not " + width);
    }
  }

  /**
   * The layout Solstice writes itself: a {@code features} list column of {@code width} floats and
   * an Int32 {@code label} column.
   *
   * @param width features per row
   * @param classes the number of classes
   * @return the contract
   */
  public static StreamContract labeled(int width, int classes) {
    return new StreamContract(List.of(LabeledSchema.FEATURES), LabeledSchema.LABEL, width, classes);
  }

  /**
   * The batch in the {@link LabeledSchema} layout, with the same position (a Kafka source
   * acknowledges batches by it). The result owns what the batch held: the batch itself when it
   * already is in that layout, else a copy under {@code allocator} that closes the batch when it
   * is closed itself. The batch stays open until then because its source may count closing as
   * the end of its records' life: a Kafka source takes a batch closed before its step ended for
   * one never trained, and commits nothing after it.
   *
   * @param batch an open batch of the stream
   * @param allocator where a copy is allocated
   * @return the batch to train on
   * @throws io.solstice.arrow.ArrowDataException naming the column that breaks the contract, in a
   *     message that begins with it ({@code column 'y': ...}); the batch is closed
   */
  public ArrowBatch conform(ArrowBatch batch, BufferAllocator allocator) {
    try {
      FieldVector labels = labels(batch);
      if (labels instanceof IntVector && featureColumns.equals(List.of(LabeledSchema.FEATURES))
          && label.equals(LabeledSchema.LABEL) && features(batch, LabeledSchema.FEATURES) instanceof FixedSizeListVector list
          && list.getDataVector() instanceof Float4Vector) {
        return batch;
      }
      return copy(batch, (BaseIntVector) labels, allocator);
    } catch (RuntimeException e) {
      batch.close();
      throw e;
    }
  }

  /** The label column, checked: integer classes in range, no nulls. */
  private FieldVector labels(ArrowBatch batch) {
    FieldVector labels = column(batch, label);
    if (!(labels instanceof BaseIntVector ints)) {
      throw new ColumnTypeException(label, "the label must hold integer classes, was " + labels.getField().getType());
    }
    int rows = batch.root().getRowCount();
    for (int r = 0; r < rows; r++) {
      if (labels.isNull(r)) {
        throw new NullValueException(label, "the label is null at row " + r);
      }
      long value = ints.getValueAsLong(r);
      if (value < 0 || value >= classes) {
        throw new LabelRangeException(label, "the label is class " + value + " at row " + r + ", outside [0, " + classes
            + ") (--classes " + classes + ")");
      }
    }
    return labels;
  }

  /** A feature column, checked: a float list of the width when it is the only one, else a number. */
  private FieldVector features(ArrowBatch batch, String name) {
    FieldVector column = column(batch, name);
    if (featureColumns.size() == 1 && column instanceof FixedSizeListVector list) {
      if (!(list.getDataVector() instanceof FloatingPointVector)) {
        throw new ColumnTypeException(name, "a list of features must hold floats, this one "
            + list.getDataVector().getField().getType());
      }
      if (list.getListSize() != width) {
        throw new ListWidthException(name, "holds " + list.getListSize() + " features per row, not " + width
            + " (--features " + width + ")");
      }
      return column;
    }
    if (!(column instanceof FloatingPointVector) && !(column instanceof BaseIntVector)) {
      throw new ColumnTypeException(name, "a feature column must be numeric"
          + (featureColumns.size() == 1 ? " or a fixed-size list of floats" : "") + ", this one is "
          + column.getField().getType());
    }
    if (featureColumns.size() == 1 && width != 1) {
      throw new ListWidthException(name, "holds one feature per row, not " + width + " (--features " + width + ")");
    }
    return column;
  }

  private ArrowBatch copy(ArrowBatch batch, BaseIntVector labels, BufferAllocator allocator) {
    int rows = batch.root().getRowCount();
    VectorSchemaRoot root = VectorSchemaRoot.create(LabeledSchema.of(width), allocator);
    try {
      root.allocateNew();
      FixedSizeListVector list = (FixedSizeListVector) root.getVector(LabeledSchema.FEATURES);
      Float4Vector values = (Float4Vector) list.getDataVector();
      IntVector out = (IntVector) root.getVector(LabeledSchema.LABEL);
      for (int c = 0; c < featureColumns.size(); c++) {
        FieldVector column = features(batch, featureColumns.get(c));
        if (column instanceof FixedSizeListVector source) {
          for (int i = 0; i < rows * width; i++) {
            values.setSafe(i, (float) value(source.getDataVector(), column.getName(), i, i / width));
          }
        } else {
          for (int r = 0; r < rows; r++) {
            values.setSafe(r * width + c, (float) value(column, column.getName(), r, r));
          }
        }
      }
      for (int r = 0; r < rows; r++) {
        list.setNotNull(r);
        out.setSafe(r, (int) labels.getValueAsLong(r));
      }
      values.setValueCount(rows * width);
      root.setRowCount(rows);
      return new ArrowBatch(root, Map.of(), batch.position(), batch::close);
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }

  private static double value(ValueVector vector, String name, int index, int row) {
    if (vector.isNull(index)) {
      throw new NullValueException(name, "the feature is null at row " + row);
    }
    return vector instanceof FloatingPointVector floats ? floats.getValueAsDouble(index)
        : ((BaseIntVector) vector).getValueAsLong(index);
  }

  private static FieldVector column(ArrowBatch batch, String name) {
    FieldVector vector = batch.root().getVector(name);
    if (vector == null) {
      throw new MissingColumnException(name, "the stream has no such column; its columns are "
          + batch.root().getSchema().getFields().stream().map(f -> f.getName() + " " + f.getType()).toList());
    }
    return vector;
  }
}
