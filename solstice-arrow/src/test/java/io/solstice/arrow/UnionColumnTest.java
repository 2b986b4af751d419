package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.DenseUnionVector;
import org.apache.arrow.vector.complex.UnionVector;
import org.apache.arrow.vector.holders.NullableFloat8Holder;
import org.apache.arrow.vector.holders.NullableIntHolder;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.Types.MinorType;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.Test;

/**
 * Union columns read back as written, and a row whose type id the union does not declare, or
 * whose dense offset lies outside its child, refused as corrupt before a value is read (Arrow
 * Java's own validation does not look at them: such a row threw an index error, or read as
 * null).
 */
class UnionColumnTest {
  private static final int ROWS = 4;

  @Test
  void sparseAndDenseUnionsReadBackAsWritten() throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      assertThat(read(sparse(allocator, u -> { }), allocator)).containsExactly(0, 1.0, 2, 3.0);
      assertThat(read(dense(allocator, u -> { }), allocator)).containsExactly(0, 1.0, 2, 3.0);
      allocator.close();
    }
  }

  @Test
  void aTypeIdTheUnionDoesNotDeclareIsCorrupt() throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] stream = sparse(allocator, u -> u.getTypeBuffer().setByte(2, 99));

      assertThatThrownBy(() -> read(stream, allocator)).isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("union column 'u' row 2 has type id 99, which the union does not declare");
      byte[] undeclared = sparse(allocator, u -> u.getTypeBuffer().setByte(1, 1));
      assertThatThrownBy(() -> read(undeclared, allocator)).isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("row 1 has type id 1");
      allocator.close();
    }
  }

  @Test
  void aDenseOffsetOutsideItsChildIsCorrupt() throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] stream = dense(allocator, u -> u.getOffsetBuffer().setInt(3L * DenseUnionVector.OFFSET_WIDTH, 7));

      assertThatThrownBy(() -> read(stream, allocator)).isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("union column 'u' row 3 has offset 7 into the child of type id 1, which holds 2 values");
      allocator.close();
    }
  }

  /** The union column's values, read through an IPC stream source. */
  private static List<Object> read(byte[] stream, BufferAllocator allocator) {
    List<Object> values = new ArrayList<>();
    ArrowSources.ipcStream("unions", () -> new ByteArrayInputStream(stream), allocator, ReadOptions.defaults())
        .doOnNext(batch -> {
          try (batch) {
            FieldVector u = batch.root().getVector("u");
            for (int r = 0; r < batch.rowCount(); r++) {
              values.add(u.getObject(r));
            }
          }
        }).blockLast(Duration.ofSeconds(20));
    return values;
  }

  /** A sparse union of ints (even rows) and doubles (odd rows), changed by {@code corrupt} before it is written. */
  private static byte[] sparse(BufferAllocator allocator, Consumer<UnionVector> corrupt) throws IOException {
    UnionVector u = UnionVector.empty("u", allocator);
    u.allocateNew();
    NullableIntHolder integer = new NullableIntHolder();
    integer.isSet = 1;
    NullableFloat8Holder real = new NullableFloat8Holder();
    real.isSet = 1;
    for (int r = 0; r < ROWS; r++) {
      if (r % 2 == 0) {
        u.setType(r, MinorType.INT);
        integer.value = r;
        u.setSafe(r, integer);
      } else {
        u.setType(r, MinorType.FLOAT8);
        real.value = r;
        u.setSafe(r, real);
      }
    }
    u.setValueCount(ROWS);
    corrupt.accept(u);
    return write(u, allocator);
  }

  /** The same values as a dense union: type id 0 for ints, 1 for doubles, two of each. */
  private static byte[] dense(BufferAllocator allocator, Consumer<DenseUnionVector> corrupt) throws IOException {
    DenseUnionVector u = DenseUnionVector.empty("u", allocator);
    byte ints = u.registerNewTypeId(Field.nullable("int", new ArrowType.Int(32, true)));
    byte reals = u.registerNewTypeId(Field.nullable("real", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)));
    IntVector intChild = u.getIntVector(ints);
    Float8Vector realChild = u.getFloat8Vector(reals);
    u.allocateNew();
    for (int r = 0; r < ROWS; r++) {
      boolean even = r % 2 == 0;
      u.setTypeId(r, even ? ints : reals);
      u.getOffsetBuffer().setInt((long) r * DenseUnionVector.OFFSET_WIDTH, r / 2);
      if (even) {
        intChild.setSafe(r / 2, r);
      } else {
        realChild.setSafe(r / 2, r);
      }
    }
    intChild.setValueCount(ROWS / 2);
    realChild.setValueCount(ROWS / 2);
    u.setValueCount(ROWS);
    corrupt.accept(u);
    return write(u, allocator);
  }

  private static byte[] write(FieldVector union, BufferAllocator allocator) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (VectorSchemaRoot root = new VectorSchemaRoot(List.of(union));
         ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(bytes))) {
      root.setRowCount(ROWS);
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    return bytes.toByteArray();
  }
}
