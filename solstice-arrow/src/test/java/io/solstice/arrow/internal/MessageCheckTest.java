package io.solstice.arrow.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ViewVarCharVector;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/** The checks made on a stream's messages before Arrow's reader sees them. */
class MessageCheckTest {

  /**
   * A view column is followed by as many data buffers as the batch's variadic counts say (Arrow
   * writes one per value here): the walk over a batch's buffers must take them with the view, or
   * it would check the next column against them and refuse a valid batch for the buffers left.
   */
  @Test
  void aViewColumnTakesItsVariadicBuffers() throws IOException {
    Schema schema = new Schema(List.of(Field.nullable("view", ArrowType.Utf8View.INSTANCE),
        Field.nullable("n", new ArrowType.Int(32, true))));
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    try (RootAllocator allocator = new RootAllocator()) {
      try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
           ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(stream))) {
        ViewVarCharVector view = (ViewVarCharVector) root.getVector("view");
        IntVector n = (IntVector) root.getVector("n");
        for (int r = 0; r < 5; r++) {
          view.setSafe(r, ("long view value " + r).getBytes(StandardCharsets.UTF_8));
          n.setSafe(r, r);
        }
        root.setRowCount(5);
        writer.start();
        writer.writeBatch();
        writer.end();
      }
      allocator.close();
    }
    byte[] bytes = stream.toByteArray();
    try (GuardedIpcInputStream guarded = new GuardedIpcInputStream(new ByteArrayInputStream(bytes), "views",
        bytes.length, Long.MAX_VALUE)) {
      assertThat(guarded.readAllBytes()).isEqualTo(bytes);
    }
  }
}
