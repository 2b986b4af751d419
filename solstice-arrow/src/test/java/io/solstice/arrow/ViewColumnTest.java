package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ViewVarBinaryVector;
import org.apache.arrow.vector.ViewVarCharVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * View columns (Utf8View, as Polars writes strings by default), which Arrow Java cannot
 * validate: a top-level string or binary view is checked here and read as Utf8 or Binary, a
 * view that points outside its data is corrupt, and a view inside another column is refused by
 * name, never reported as corrupt.
 */
class ViewColumnTest {

  @Test
  void aViewColumnIsRefusedByNameNotReportedAsCorrupt() throws IOException {
    Field name = Field.nullable("name", ArrowType.Utf8View.INSTANCE);
    Schema schema = new Schema(List.of(Field.nullable("n", new ArrowType.Int(32, true)),
        new Field("person", FieldType.nullable(ArrowType.Struct.INSTANCE), List.of(name))));
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] stream = write(schema, allocator);

      assertThatThrownBy(() -> ArrowSources.ipcStream("people", () -> new ByteArrayInputStream(stream),
              allocator, ReadOptions.defaults())
          .doOnNext(ArrowBatch::close).blockLast(Duration.ofSeconds(20)))
          .isInstanceOf(ColumnTypeException.class)
          .hasMessageContaining("people: column 'person.name' is Utf8View, a view type")
          .hasMessageContaining("compat_level");
      allocator.close();
    }
  }

  /** Inline (up to 12 bytes) and out-of-line strings, a null and an empty one; bytes likewise. */
  private static final String[] NAMES = {"ab", "a name longer than twelve bytes", null, "", "another long one, too"};

  @Test
  void aTopLevelStringOrBinaryViewColumnIsReadAsUtf8OrBinaryInSlicedBatches() throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] stream = writeViews(allocator, -1);
      List<String> names = new ArrayList<>();
      List<String> blobs = new ArrayList<>();
      ArrowSources.ipcStream("people", () -> new ByteArrayInputStream(stream), allocator,
              ReadOptions.builder().batchSize(2).build())
          .doOnNext(batch -> {
            try (batch) {
              assertThat(batch.schema().findField("name").getType()).isEqualTo(ArrowType.Utf8.INSTANCE);
              assertThat(batch.schema().findField("blob").getType()).isEqualTo(ArrowType.Binary.INSTANCE);
              VarCharVector name = (VarCharVector) batch.root().getVector("name");
              VarBinaryVector blob = (VarBinaryVector) batch.root().getVector("blob");
              for (int r = 0; r < batch.rowCount(); r++) {
                names.add(name.isNull(r) ? null : name.getObject(r).toString());
                blobs.add(blob.isNull(r) ? null : new String(blob.get(r), StandardCharsets.UTF_8));
              }
            }
          }).blockLast(Duration.ofSeconds(20));

      assertThat(names).containsExactly(NAMES);
      assertThat(blobs).containsExactly(NAMES);
      allocator.close();
    }
  }

  @Test
  void aViewPointingOutsideItsDataBuffersIsCorrupt() throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] stream = writeViews(allocator, 1);

      assertThatThrownBy(() -> ArrowSources.ipcStream("people", () -> new ByteArrayInputStream(stream),
              allocator, ReadOptions.defaults())
          .doOnNext(ArrowBatch::close).blockLast(Duration.ofSeconds(20)))
          .isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("view column 'name' row 1 points at bytes")
          .hasMessageContaining("outside the 1 data buffer(s)");
      allocator.close();
    }
  }

  /** A stream of {@link #NAMES} as a Utf8View and a BinaryView column; the view of row {@code bad} names data buffer 7. */
  private static byte[] writeViews(RootAllocator allocator, int bad) throws IOException {
    Schema schema = new Schema(List.of(Field.nullable("name", ArrowType.Utf8View.INSTANCE),
        Field.nullable("blob", ArrowType.BinaryView.INSTANCE)));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(bytes))) {
      ViewVarCharVector name = (ViewVarCharVector) root.getVector("name");
      ViewVarBinaryVector blob = (ViewVarBinaryVector) root.getVector("blob");
      for (int r = 0; r < NAMES.length; r++) {
        if (NAMES[r] == null) {
          name.setNull(r);
          blob.setNull(r);
        } else {
          name.setSafe(r, NAMES[r].getBytes(StandardCharsets.UTF_8));
          blob.setSafe(r, NAMES[r].getBytes(StandardCharsets.UTF_8));
        }
      }
      root.setRowCount(NAMES.length);
      if (bad >= 0) {
        // A view is [length, prefix, buffer index, offset], four ints.
        name.getDataBuffer().setInt(bad * 16L + 8, 7);
      }
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    return bytes.toByteArray();
  }

  private static byte[] write(Schema schema, RootAllocator allocator) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(bytes))) {
      IntVector n = (IntVector) root.getVector("n");
      StructVector person = (StructVector) root.getVector("person");
      ViewVarCharVector names = person.getChild("name", ViewVarCharVector.class);
      for (int r = 0; r < 3; r++) {
        n.setSafe(r, r);
        person.setIndexDefined(r);
        names.setSafe(r, ("person number " + r).getBytes(StandardCharsets.UTF_8));
      }
      root.setRowCount(3);
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    return bytes.toByteArray();
  }
}
