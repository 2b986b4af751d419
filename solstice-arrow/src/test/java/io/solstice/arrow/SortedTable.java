package io.solstice.arrow;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A table stored the way exported tables often are: sorted by class, with a 1:9 imbalance
 * (every tenth row of a "block" is class 1, but all class-1 rows come first). Columns:
 * {@code id} (Int64, the row number), {@code a} (Float64, around 1e4 * id-derived noise),
 * {@code b} (Float64, a constant 7), {@code label} (Int32, 1 for the first rows/10 rows, else 0).
 */
final class SortedTable {
  private SortedTable() {}

  static final Schema SCHEMA = new Schema(List.of(
      Field.notNullable("id", new ArrowType.Int(64, true)),
      Field.notNullable("a", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
      Field.notNullable("b", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
      Field.notNullable("label", new ArrowType.Int(32, true))));

  static int label(long id, long rows) {
    return id < rows / 10 ? 1 : 0;
  }

  static double a(long id) {
    return 1e4 * Math.sin(id * 0.7) + 3e4;
  }

  /** Writes {@code rows} rows in batches of {@code batchRows} as an Arrow IPC file. */
  static Path write(Path file, BufferAllocator allocator, long rows, int batchRows) throws IOException {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, allocator);
         FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
             StandardOpenOption.TRUNCATE_EXISTING);
         ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
      writer.start();
      for (long start = 0; start < rows; start += batchRows) {
        int n = (int) Math.min(batchRows, rows - start);
        root.allocateNew();
        for (int r = 0; r < n; r++) {
          long id = start + r;
          ((BigIntVector) root.getVector("id")).setSafe(r, id);
          ((Float8Vector) root.getVector("a")).setSafe(r, a(id));
          ((Float8Vector) root.getVector("b")).setSafe(r, 7);
          ((IntVector) root.getVector("label")).setSafe(r, label(id, rows));
        }
        root.setRowCount(n);
        writer.writeBatch();
      }
      writer.end();
    }
    return file;
  }
}
