package io.solstice.arrow;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.dataset.file.DatasetFileWriter;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryEncoder;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Regenerates {@code src/test/resources/fixtures/flowers-cpp.arrow}: an Arrow IPC file written
 * by Arrow's C++ implementation (the IPC file writer of the Arrow C++ dataset library, reached
 * through arrow-dataset's JNI binding), with a dictionary-encoded label column. The table is
 * {@link #ROWS} rows; row i has measurements {@link #measurement(int, int)}, weight
 * {@link #weight(int)} and species {@link #SPECIES}[{@link #speciesOf(int)}].
 *
 * <p>Run with {@code -Dsolstice.fixtures.regenerate=true -Dtest=ForeignFixtures}; the normal
 * build reads the committed file only.
 */
class ForeignFixtures {
  static final int ROWS = 12;
  static final int WIDTH = 4;
  /** The dictionary, in the order the file stores it (not alphabetical, on purpose). */
  static final List<String> SPECIES = List.of("virginica", "setosa", "versicolor");

  static float measurement(int row, int c) {
    return row + c / 10f;
  }

  static double weight(int row) {
    return row * 1.5;
  }

  static int speciesOf(int row) {
    return (row * 7) % 3;
  }

  @Test
  @EnabledIfSystemProperty(named = "solstice.fixtures.regenerate", matches = "true")
  void regenerate() throws IOException {
    Path target = Path.of("src/test/resources/fixtures/flowers-cpp.arrow");
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] stream = javaStream(allocator);
      Path staging = Files.createTempDirectory("fixture");
      try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(stream), allocator)) {
        DatasetFileWriter.write(allocator, reader, FileFormat.ARROW_IPC, staging.toUri().toString(),
            new String[0], 1, "flowers-{i}.arrow");
      }
      try (Stream<Path> files = Files.list(staging)) {
        Files.copy(files.findFirst().orElseThrow(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /** The table as a Java-written IPC stream, the C++ writer's input. */
  static byte[] javaStream(BufferAllocator allocator) throws IOException {
    Field item = new Field("item", FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null);
    DictionaryEncoding encoding = new DictionaryEncoding(0L, false, new ArrowType.Int(32, true));
    Schema schema = new Schema(List.of(
        new Field("measurements", FieldType.notNullable(new ArrowType.FixedSizeList(WIDTH)), List.of(item)),
        Field.nullable("weight", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
        new Field("species", new FieldType(true, new ArrowType.Int(32, true), encoding), null)));
    try (VarCharVector names = new VarCharVector("species", allocator);
         VarCharVector plain = new VarCharVector("species", allocator);
         VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
      names.allocateNew();
      for (int i = 0; i < SPECIES.size(); i++) {
        names.setSafe(i, SPECIES.get(i).getBytes(StandardCharsets.UTF_8));
      }
      names.setValueCount(SPECIES.size());
      Dictionary dictionary = new Dictionary(names, encoding);
      root.allocateNew();
      FixedSizeListVector list = (FixedSizeListVector) root.getVector("measurements");
      Float4Vector values = (Float4Vector) list.getDataVector();
      plain.allocateNew();
      for (int r = 0; r < ROWS; r++) {
        list.setNotNull(r);
        for (int c = 0; c < WIDTH; c++) {
          values.setSafe(r * WIDTH + c, measurement(r, c));
        }
        ((Float8Vector) root.getVector("weight")).setSafe(r, weight(r));
        plain.setSafe(r, SPECIES.get(speciesOf(r)).getBytes(StandardCharsets.UTF_8));
      }
      plain.setValueCount(ROWS);
      values.setValueCount(ROWS * WIDTH);
      try (FieldVector encoded = (FieldVector) DictionaryEncoder.encode(plain, dictionary)) {
        IntVector target = (IntVector) root.getVector("species");
        for (int r = 0; r < ROWS; r++) {
          target.setSafe(r, ((IntVector) encoded).get(r));
        }
      }
      root.setRowCount(ROWS);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (ArrowStreamWriter writer = new ArrowStreamWriter(root, new DictionaryProvider.MapDictionaryProvider(dictionary), out)) {
        writer.start();
        writer.writeBatch();
        writer.end();
      }
      return out.toByteArray();
    }
  }
}
