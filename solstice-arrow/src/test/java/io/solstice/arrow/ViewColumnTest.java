package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ViewVarCharVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * Valid data with a view column (Utf8View, as Polars writes strings by default), which Arrow
 * Java cannot validate: refused as a column of the wrong type, by its name, never as corrupt.
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
