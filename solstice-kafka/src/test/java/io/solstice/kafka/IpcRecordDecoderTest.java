package io.solstice.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.kafka.internal.IpcRecordDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Arrow IPC record values: one batch each, and nothing held when a value is refused. */
class IpcRecordDecoderTest {

  private static final Schema SCHEMA = new Schema(List.of(Field.nullable("x", new ArrowType.Int(32, true))));

  @Test
  void aValueWithOneBatchDecodesIntoARootOfItsOwn() throws Exception {
    try (BufferAllocator allocator = new RootAllocator()) {
      byte[] value = stream(allocator, 1, true);
      try (VectorSchemaRoot root = new IpcRecordDecoder().decodeBatch(record(value), allocator)) {
        assertThat(root.getRowCount()).isEqualTo(3);
        assertThat(((IntVector) root.getVector("x")).get(2)).isEqualTo(2);
      }
    }
  }

  @Test
  void aValueCutInItsSecondMessageIsRefusedWithoutHoldingTheFirstBatch() throws Exception {
    try (BufferAllocator allocator = new RootAllocator()) {
      byte[] one = stream(allocator, 1, false);
      byte[] two = stream(allocator, 2, true);
      byte[] cut = Arrays.copyOf(two, one.length + (two.length - one.length) / 2);

      assertThatThrownBy(() -> new IpcRecordDecoder().decodeBatch(record(cut), allocator))
          .isInstanceOf(IOException.class);
      assertThat(allocator.getAllocatedMemory()).as("the first batch was released").isZero();
    } // closing the allocator fails on a leaked byte
  }

  /** An IPC stream of {@code batches} batches of x = 0, 1, 2; with or without its end marker. */
  private static byte[] stream(BufferAllocator allocator, int batches, boolean end) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, allocator);
        ArrowStreamWriter writer = new ArrowStreamWriter(root, null, bytes)) {
      IntVector x = (IntVector) root.getVector("x");
      x.allocateNew(3);
      for (int i = 0; i < 3; i++) {
        x.set(i, i);
      }
      root.setRowCount(3);
      writer.start();
      for (int b = 0; b < batches; b++) {
        writer.writeBatch();
      }
      if (end) {
        writer.end();
      }
      return bytes.toByteArray();
    }
  }

  private static ConsumerRecord<byte[], byte[]> record(byte[] value) {
    return new ConsumerRecord<>("t", 0, 0L, null, value);
  }
}
