package io.solstice.examples.digits;

import io.solstice.examples.digits.DigitsData.Digit;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Writes digits as an Arrow IPC file with two columns: {@code pixels}, a
 * {@code FixedSizeList<Float32>[64]} (which the Arrow data plane maps to a feature matrix
 * without copying), and {@code label}, an Int32 class index.
 */
public final class DigitsArrowFiles {

  /** The feature column. */
  public static final String PIXELS = "pixels";

  /** The label column. */
  public static final String LABEL = "label";

  private DigitsArrowFiles() {}

  /**
   * The schema of the files this class writes.
   *
   * @return pixels and label
   */
  public static Schema schema() {
    Field element =
        new Field("item", FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null);
    Field pixels =
        new Field(PIXELS, FieldType.notNullable(new ArrowType.FixedSizeList(DigitsData.PIXELS)), List.of(element));
    Field label = new Field(LABEL, FieldType.notNullable(new ArrowType.Int(32, true)), null);
    return new Schema(List.of(pixels, label));
  }

  /**
   * Writes the rows to {@code file} in record batches of {@code batchSize} rows.
   *
   * @param rows the digits
   * @param file the target, replaced if present
   * @param batchSize rows per record batch
   * @param allocator where the write buffers come from; nothing stays allocated afterwards
   * @throws IOException when the file cannot be written
   */
  public static void write(List<Digit> rows, Path file, int batchSize, BufferAllocator allocator)
      throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema(), allocator);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
      writer.start();
      for (int start = 0; start < rows.size(); start += batchSize) {
        fill(root, rows.subList(start, Math.min(rows.size(), start + batchSize)));
        writer.writeBatch();
      }
      writer.end();
    }
  }

  private static void fill(VectorSchemaRoot root, List<Digit> batch) {
    root.allocateNew();
    FixedSizeListVector pixels = (FixedSizeListVector) root.getVector(PIXELS);
    Float4Vector values = (Float4Vector) pixels.getDataVector();
    IntVector labels = (IntVector) root.getVector(LABEL);
    for (int row = 0; row < batch.size(); row++) {
      Digit digit = batch.get(row);
      pixels.setNotNull(row);
      for (int i = 0; i < DigitsData.PIXELS; i++) {
        values.setSafe(row * DigitsData.PIXELS + i, digit.pixels()[i]);
      }
      labels.setSafe(row, digit.label());
    }
    values.setValueCount(batch.size() * DigitsData.PIXELS);
    root.setRowCount(batch.size());
  }
}
