package io.solstice.arrow;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
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

  /** The dictionary id of {@link #labelBatch}'s {@code label} column. */
  static final long LABEL_DICTIONARY = 0;

  /**
   * A batch of one dictionary-encoded {@code label} column whose rows are the indices 0, 1, ...
   * of {@code dictionary}, so that its decoded labels are {@code dictionary} itself. Two such
   * batches with the same words in another order have the same schema and indices but mean
   * different labels.
   */
  static ArrowBatch labelBatch(BufferAllocator allocator, long batchIndex, String... dictionary) {
    DictionaryEncoding encoding = new DictionaryEncoding(LABEL_DICTIONARY, false, new ArrowType.Int(32, true));
    Schema schema = new Schema(List.of(
        new Field("label", new FieldType(false, new ArrowType.Int(32, true), encoding), null)));
    VarCharVector words = new VarCharVector("label-dictionary", allocator);
    VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
    words.allocateNew();
    IntVector indices = (IntVector) root.getVector("label");
    indices.allocateNew(dictionary.length);
    for (int i = 0; i < dictionary.length; i++) {
      words.setSafe(i, dictionary[i].getBytes(StandardCharsets.UTF_8));
      indices.set(i, i);
    }
    words.setValueCount(dictionary.length);
    root.setRowCount(dictionary.length);
    return new ArrowBatch(root, Map.of(LABEL_DICTIONARY, new Dictionary(words, encoding)),
        new BatchPosition("labels", 0, batchIndex), null);
  }

  /** The {@code label} column of a {@link #labelBatch}, decoded through the batch's own dictionary. */
  static List<String> labels(ArrowBatch batch) {
    IntVector indices = (IntVector) batch.root().getVector("label");
    VarCharVector words = (VarCharVector) batch.lookup(LABEL_DICTIONARY).getVector();
    List<String> labels = new ArrayList<>();
    for (int r = 0; r < batch.rowCount(); r++) {
      labels.add(words.getObject(indices.get(r)).toString());
    }
    return labels;
  }
}
