package io.solstice.arrow;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A deterministic table for round trips: row {@code id} has pixels {@code id * 10 + c} for
 * c in [0, WIDTH), x1 = id / 2, x2 = id * 2, x3 = id, and label id % CLASSES. Every value is a
 * function of the id, so a test can check any row it receives.
 */
final class TestData {
  static final int WIDTH = 4;
  static final int CLASSES = 3;

  private TestData() {}

  static Schema schema() {
    Field pixel = new Field("$data$", FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null);
    return new Schema(List.of(
        Field.notNullable("id", new ArrowType.Int(64, true)),
        new Field("pixels", FieldType.notNullable(new ArrowType.FixedSizeList(WIDTH)), List.of(pixel)),
        Field.nullable("x1", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
        Field.nullable("x2", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
        Field.nullable("x3", new ArrowType.Int(32, true)),
        Field.nullable("label", new ArrowType.Int(32, true))));
  }

  static float pixel(long id, int c) {
    return id * 10 + c;
  }

  static int label(long id) {
    return (int) (id % CLASSES);
  }

  /** Fills {@code root} with rows [firstId, firstId + rows). */
  static void fill(VectorSchemaRoot root, long firstId, int rows) {
    root.allocateNew();
    BigIntVector id = (BigIntVector) root.getVector("id");
    FixedSizeListVector pixels = (FixedSizeListVector) root.getVector("pixels");
    Float4Vector data = (Float4Vector) pixels.getDataVector();
    Float4Vector x1 = (Float4Vector) root.getVector("x1");
    Float8Vector x2 = (Float8Vector) root.getVector("x2");
    IntVector x3 = (IntVector) root.getVector("x3");
    IntVector label = (IntVector) root.getVector("label");
    for (int r = 0; r < rows; r++) {
      long v = firstId + r;
      id.setSafe(r, v);
      pixels.startNewValue(r);
      for (int c = 0; c < WIDTH; c++) {
        data.setSafe(r * WIDTH + c, pixel(v, c));
      }
      pixels.setNotNull(r);
      x1.setSafe(r, v / 2f);
      x2.setSafe(r, v * 2.0);
      x3.setSafe(r, (int) v);
      label.setSafe(r, label(v));
    }
    data.setValueCount(rows * WIDTH);
    root.setRowCount(rows);
  }

  /** Writes {@code batches} batches of {@code rows} rows each as an IPC file. */
  static Path writeIpcFile(Path dir, String name, BufferAllocator allocator, int batches, int rows) throws IOException {
    Path file = dir.resolve(name);
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema(), allocator);
         FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
             StandardOpenOption.TRUNCATE_EXISTING);
         ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
      writer.start();
      for (int b = 0; b < batches; b++) {
        fill(root, (long) b * rows, rows);
        writer.writeBatch();
      }
      writer.end();
    }
    return file;
  }

  /** Writes {@code batches} batches of {@code rows} rows each as an IPC stream. */
  static void writeIpcStream(OutputStream out, BufferAllocator allocator, int batches, int rows) throws IOException {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema(), allocator);
         ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
      writer.start();
      for (int b = 0; b < batches; b++) {
        fill(root, (long) b * rows, rows);
        writer.writeBatch();
      }
      writer.end();
    }
  }

  static Path writeIpcStream(Path dir, String name, BufferAllocator allocator, int batches, int rows) throws IOException {
    Path file = dir.resolve(name);
    try (OutputStream out = Files.newOutputStream(file)) {
      writeIpcStream(out, allocator, batches, rows);
    }
    return file;
  }

  /** In-memory roots of {@code rows} rows each; the caller closes them. */
  static List<VectorSchemaRoot> roots(BufferAllocator allocator, int batches, int rows) {
    List<VectorSchemaRoot> roots = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      VectorSchemaRoot root = VectorSchemaRoot.create(schema(), allocator);
      fill(root, (long) b * rows, rows);
      roots.add(root);
    }
    return roots;
  }
}
