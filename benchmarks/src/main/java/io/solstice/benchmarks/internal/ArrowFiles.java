package io.solstice.benchmarks.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Writes the benchmark's Arrow IPC files in the two layouts the ingest benchmark compares:
 * one {@code FixedSizeList<Float32>} feature column (a row-major matrix, which Solstice wraps
 * without copying) or one {@code Float32} column per feature (the only float layout DataVec's
 * {@code ArrowConverter} understands). Both have an Int32 {@code label} column.
 */
public final class ArrowFiles {

  /** The feature list column of the fixed-size-list layout. */
  public static final String FEATURES = "features";

  /** The label column. */
  public static final String LABEL = "label";

  private ArrowFiles() {}

  /**
   * The name of feature column {@code j} in the wide layout.
   *
   * @param j the feature index
   * @return {@code f0}, {@code f1}, ...
   */
  public static String wideColumn(int j) {
    return "f" + j;
  }

  /**
   * Writes the data with one {@code FixedSizeList<Float32>} feature column.
   *
   * @param data the rows
   * @param width features per row
   * @param file the target (replaced)
   * @param batchRows rows per record batch
   * @param allocator for the write buffers
   * @throws IOException when the file cannot be written
   */
  public static void writeFixedSizeList(
      SyntheticMnist.Data data, int width, Path file, int batchRows, BufferAllocator allocator)
      throws IOException {
    Field item = new Field("item",
        FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null);
    Field features = new Field(
        FEATURES, FieldType.notNullable(new ArrowType.FixedSizeList(width)), List.of(item));
    Schema schema = new Schema(List.of(features, labelField()));
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        FileChannel channel = open(file);
        ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
      writer.start();
      FixedSizeListVector list = (FixedSizeListVector) root.getVector(FEATURES);
      IntVector label = (IntVector) root.getVector(LABEL);
      for (int start = 0; start < data.rows(); start += batchRows) {
        int rows = Math.min(batchRows, data.rows() - start);
        root.allocateNew();
        Float4Vector values = (Float4Vector) list.getDataVector();
        values.allocateNew(rows * width);
        for (int i = 0; i < rows; i++) {
          list.setNotNull(i);
          for (int j = 0; j < width; j++) {
            values.setSafe(i * width + j, data.features()[(start + i) * width + j]);
          }
          label.setSafe(i, data.labels()[start + i]);
        }
        values.setValueCount(rows * width);
        root.setRowCount(rows);
        writer.writeBatch();
      }
      writer.end();
    }
  }

  /**
   * Writes the data with one {@code Float32} column per feature ({@code f0}, {@code f1}, ...).
   *
   * @param data the rows
   * @param width features per row
   * @param file the target (replaced)
   * @param batchRows rows per record batch
   * @param allocator for the write buffers
   * @throws IOException when the file cannot be written
   */
  public static void writeWide(
      SyntheticMnist.Data data, int width, Path file, int batchRows, BufferAllocator allocator)
      throws IOException {
    List<Field> fields = new ArrayList<>();
    for (int j = 0; j < width; j++) {
      fields.add(new Field(wideColumn(j),
          FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null));
    }
    fields.add(labelField());
    try (VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(fields), allocator);
        FileChannel channel = open(file);
        ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
      writer.start();
      for (int start = 0; start < data.rows(); start += batchRows) {
        int rows = Math.min(batchRows, data.rows() - start);
        root.allocateNew();
        for (int j = 0; j < width; j++) {
          Float4Vector column = (Float4Vector) root.getVector(j);
          for (int i = 0; i < rows; i++) {
            column.setSafe(i, data.features()[(start + i) * width + j]);
          }
        }
        IntVector label = (IntVector) root.getVector(LABEL);
        for (int i = 0; i < rows; i++) {
          label.setSafe(i, data.labels()[start + i]);
        }
        root.setRowCount(rows);
        writer.writeBatch();
      }
      writer.end();
    }
  }

  private static Field labelField() {
    return new Field(LABEL, FieldType.notNullable(new ArrowType.Int(32, true)), null);
  }

  private static FileChannel open(Path file) throws IOException {
    return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
  }
}
