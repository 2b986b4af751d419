package io.solstice.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.arrow.CorruptIpcException;
import io.solstice.kafka.internal.IpcRecordDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.ValueVectorUtility;
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
          .isInstanceOf(CorruptIpcException.class).hasMessageContaining("t-0@0: not valid Arrow IPC data")
          .hasMessageContaining("input ends inside message metadata");
      assertThat(allocator.getAllocatedMemory()).as("the first batch was released").isZero();
    } // closing the allocator fails on a leaked byte
  }

  @Test
  void aCorruptValueIsABadRecordAndEveryValueItAcceptsIsValid() throws Exception {
    try (BufferAllocator allocator = new RootAllocator()) {
      byte[] value = textStream(allocator);
      SplittableRandom random = new SplittableRandom(11);
      int refused = 0;
      int accepted = 0;
      for (int trial = 0; trial < 400; trial++) {
        byte[] flipped = value.clone();
        int at = random.nextInt(flipped.length);
        flipped[at] ^= (byte) (1 + random.nextInt(255));
        VectorSchemaRoot root;
        try {
          root = new IpcRecordDecoder().decodeBatch(record(flipped), allocator);
        } catch (Exception e) {
          refused++;
          continue;
        }
        try (root) {
          // What is accepted holds buffers and offsets that agree: reading it cannot go astray
          // (its bytes may still be wrong: a flipped letter is a letter).
          ValueVectorUtility.validate(root);
          // A flip in the schema may rename a column or change its type: the offsets are the
          // second column's, whatever it is called, as long as it has any.
          if (root.getVector(1) instanceof BaseVariableWidthVector text) {
            for (int r = 0; r < root.getRowCount(); r++) {
              assertThat(text.getStartOffset(r)).isBetween(0, text.getEndOffset(r));
              assertThat((long) text.getEndOffset(r)).isLessThanOrEqualTo(text.getDataBuffer().capacity());
            }
          }
          accepted++;
        }
      }
      System.out.printf("Kafka Arrow records, 400 byte flips of a %d-byte value: %d refused as bad records, %d "
          + "accepted and valid%n", value.length, refused, accepted);
      assertThat(refused).isPositive();
      assertThat(accepted).isPositive();
      assertThat(allocator.getAllocatedMemory()).isZero();
    }
  }

  @Test
  void aValueDeclaringABodyLargerThanItselfIsRefusedBeforeAllocatingIt() throws Exception {
    try (BufferAllocator allocator = new RootAllocator()) {
      byte[] value = textStream(allocator);
      // The record batch's body length declared as 1 GiB.
      byte[] lying = KafkaTestSupport.withBodyLength(value, 1L << 30);

      assertThatThrownBy(() -> new IpcRecordDecoder().decodeBatch(record(lying), allocator))
          .hasMessageContaining("declares 1073741824 bytes");
      assertThat(allocator.getAllocatedMemory()).isZero();
    }
  }

  /** An IPC stream of one batch of x and a string column, name, with its end marker. */
  private static byte[] textStream(BufferAllocator allocator) throws IOException {
    Schema schema = new Schema(List.of(Field.nullable("x", new ArrowType.Int(32, true)),
        Field.nullable("name", new ArrowType.Utf8())));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        ArrowStreamWriter writer = new ArrowStreamWriter(root, null, bytes)) {
      IntVector x = (IntVector) root.getVector("x");
      VarCharVector name = (VarCharVector) root.getVector("name");
      x.allocateNew(6);
      name.allocateNew(6);
      for (int i = 0; i < 6; i++) {
        x.set(i, i);
        name.setSafe(i, ("sensor-" + i).getBytes(StandardCharsets.UTF_8));
      }
      root.setRowCount(6);
      writer.start();
      writer.writeBatch();
      writer.end();
      return bytes.toByteArray();
    }
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
