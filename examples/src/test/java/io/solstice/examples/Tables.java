package io.solstice.examples;

import static org.awaitility.Awaitility.await;

import io.solstice.examples.data.LabeledArrowFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.arrow.dataset.file.DatasetFileWriter;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Small labelled tables written at test time, in every format {@code solstice train} reads: three
 * well-separated classes ("setosa", "versicolor", "virginica") around different centres in four
 * features, so a small MLP learns them in a few epochs.
 *
 * <p>Columns of the scalar layout: {@code x0..x2} (Float64), {@code x3} (Int32), {@code note}
 * (Utf8, not a feature) and {@code species} (Utf8, or dictionary-encoded Utf8). The vector
 * layout is {@link LabeledArrowFile}'s: {@code features} FixedSizeList&lt;Float32&gt;[4] and an
 * Int32 {@code label}.
 */
final class Tables {
  static final List<String> SPECIES = List.of("setosa", "versicolor", "virginica");
  static final int ROWS = 600;
  static final int ROWS_PER_BATCH = 50;
  private static final long DICTIONARY_ID = 7;

  private final BufferAllocator allocator;
  private final double[][] x = new double[ROWS][4];
  private final int[] y = new int[ROWS];

  Tables(BufferAllocator allocator) {
    this.allocator = allocator;
    Random random = new Random(11);
    for (int r = 0; r < ROWS; r++) {
      y[r] = random.nextInt(SPECIES.size());
      for (int c = 0; c < 4; c++) {
        x[r][c] = (c % 3 == y[r] ? 3.0 : 0.0) + random.nextGaussian() * 0.5;
      }
    }
  }

  /** The number of rows of each species, by class index. */
  long[] rowsPerClass() {
    long[] counts = new long[SPECIES.size()];
    for (int label : y) {
      counts[label]++;
    }
    return counts;
  }

  /** A CSV file with a header, the four features and the species names. */
  Path csv(Path file) throws IOException {
    StringBuilder out = new StringBuilder("x0,x1,x2,x3,species\n");
    for (int r = 0; r < ROWS; r++) {
      for (int c = 0; c < 4; c++) {
        out.append(x[r][c]).append(',');
      }
      out.append(SPECIES.get(y[r])).append('\n');
    }
    return Files.writeString(file, out);
  }

  /** An IPC file with a dictionary-encoded species label. */
  Path ipcFileWithDictionaryLabels(Path file) throws IOException {
    DictionaryEncoding encoding = new DictionaryEncoding(DICTIONARY_ID, false, new ArrowType.Int(32, true));
    try (VarCharVector names = new VarCharVector("species-names", allocator)) {
      names.allocateNew();
      // Not in class-index order: the command must map by name, whatever the dictionary's order.
      List<String> order = List.of("virginica", "setosa", "versicolor");
      for (int i = 0; i < order.size(); i++) {
        names.setSafe(i, order.get(i).getBytes(StandardCharsets.UTF_8));
      }
      names.setValueCount(order.size());
      DictionaryProvider.MapDictionaryProvider provider =
          new DictionaryProvider.MapDictionaryProvider(new Dictionary(names, encoding));
      Schema schema = scalarSchema(new Field("species", new FieldType(false, new ArrowType.Int(32, true), encoding), null));
      try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
           OutputStream out = Files.newOutputStream(file);
           ArrowFileWriter writer = new ArrowFileWriter(root, provider, Channels.newChannel(out))) {
        writeScalarBatches(root, writer, (vector, at, row) ->
            ((IntVector) vector).setSafe(at, order.indexOf(SPECIES.get(y[row]))));
      }
    }
    return file;
  }

  /** An IPC stream with a vector feature column and integer labels. */
  Path ipcStreamWithVectorFeatures(Path file) throws IOException {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(LabeledArrowFile.schema(4), allocator);
         OutputStream out = Files.newOutputStream(file);
         ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
      writer.start();
      for (int start = 0; start < ROWS; start += ROWS_PER_BATCH) {
        root.allocateNew();
        FixedSizeListVector list = (FixedSizeListVector) root.getVector(LabeledArrowFile.FEATURES);
        Float4Vector values = (Float4Vector) list.getDataVector();
        IntVector label = (IntVector) root.getVector(LabeledArrowFile.LABEL);
        for (int at = 0; at < ROWS_PER_BATCH; at++) {
          list.setNotNull(at);
          for (int c = 0; c < 4; c++) {
            values.setSafe(at * 4 + c, (float) x[start + at][c]);
          }
          label.setSafe(at, y[start + at]);
        }
        values.setValueCount(ROWS_PER_BATCH * 4);
        root.setRowCount(ROWS_PER_BATCH);
        writer.writeBatch();
      }
      writer.end();
    }
    return file;
  }

  /** A Parquet file with plain string labels, written by Arrow Dataset. */
  Path parquetWithStringLabels(Path file) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Schema schema = scalarSchema(new Field("species", FieldType.notNullable(new ArrowType.Utf8()), null));
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
         ArrowStreamWriter writer = new ArrowStreamWriter(root, null, bytes)) {
      writeScalarBatches(root, writer, (vector, at, row) ->
          ((VarCharVector) vector).setSafe(at, SPECIES.get(y[row]).getBytes(StandardCharsets.UTF_8)));
    }
    return parquet(bytes.toByteArray(), file, allocator);
  }

  /**
   * Writes an Arrow IPC stream as one Parquet file with Arrow's dataset writer, through a child
   * of {@code allocator}. The writer releases the batches exported to it on its own threads a
   * moment after it returns (PredictionFile waits the same way): this returns once it has, so
   * the caller may close {@code allocator} at once, and a real leak still fails the child's close.
   */
  static Path parquet(byte[] ipcStream, Path file, BufferAllocator allocator) throws IOException {
    Path staging = Files.createTempDirectory(file.toAbsolutePath().getParent(), "staging");
    try (BufferAllocator writer = allocator.newChildAllocator("parquet-writer", 0, Long.MAX_VALUE)) {
      try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(ipcStream), writer)) {
        DatasetFileWriter.write(writer, reader, FileFormat.PARQUET, staging.toUri().toString(),
            new String[0], 1, "part-{i}.parquet");
      } finally {
        await("the dataset writer let go of its batches").atMost(Duration.ofSeconds(30))
            .until(() -> writer.getAllocatedMemory() == 0);
      }
    }
    try (Stream<Path> files = Files.list(staging)) {
      Files.move(files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow(), file);
    }
    return file;
  }

  private interface LabelWriter {
    void set(FieldVector vector, int at, int row);
  }

  private static Schema scalarSchema(Field label) {
    FieldType float64 = FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
    return new Schema(List.of(
        new Field("x0", float64, null),
        new Field("x1", float64, null),
        new Field("note", FieldType.nullable(new ArrowType.Utf8()), null),
        new Field("x2", float64, null),
        new Field("x3", FieldType.notNullable(new ArrowType.Int(32, true)), null),
        label));
  }

  private void writeScalarBatches(VectorSchemaRoot root, ArrowWriter writer, LabelWriter labels) throws IOException {
    writer.start();
    for (int start = 0; start < ROWS; start += ROWS_PER_BATCH) {
      root.allocateNew();
      for (int at = 0; at < ROWS_PER_BATCH; at++) {
        int row = start + at;
        for (int c = 0; c < 3; c++) {
          ((Float8Vector) root.getVector("x" + c)).setSafe(at, x[row][c]);
        }
        // An integer feature: the fourth coordinate in tenths.
        ((IntVector) root.getVector("x3")).setSafe(at, (int) Math.round(x[row][3] * 10));
        ((VarCharVector) root.getVector("note")).setSafe(at, ("row " + row).getBytes(StandardCharsets.UTF_8));
        labels.set(root.getVector("species"), at, row);
      }
      root.setRowCount(ROWS_PER_BATCH);
      writer.writeBatch();
    }
    writer.end();
  }
}
