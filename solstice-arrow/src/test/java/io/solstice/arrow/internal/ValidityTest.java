package io.solstice.arrow.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.util.TransferPair;
import org.junit.jupiter.api.Test;

/**
 * The word-at-a-time null test against Arrow's own null count: a single null at every position
 * of vectors whose lengths straddle word boundaries, seeded random bitmaps, slices at offsets
 * that are not byte-aligned, and a list vector.
 */
class ValidityTest {

  @Test
  void findsASingleNullAtEveryPositionOfEveryLengthAroundWordBoundaries() {
    try (BufferAllocator allocator = new RootAllocator()) {
      for (int length : new int[] {1, 7, 8, 9, 63, 64, 65, 127, 128, 129, 200}) {
        try (Float4Vector v = filled(allocator, length)) {
          assertThat(Validity.hasNulls(v)).as("length %d, no null", length).isFalse();
          for (int at = 0; at < length; at++) {
            v.setNull(at);
            assertThat(Validity.hasNulls(v)).as("length %d, null at %d", length, at).isTrue();
            v.set(at, 1f);
          }
        }
      }
      assertThat(allocator.getAllocatedMemory()).isZero();
    }
  }

  @Test
  void agreesWithArrowsNullCountOnSeededRandomVectorsAndUnalignedSlices() {
    Random random = new Random(20261125L);
    try (BufferAllocator allocator = new RootAllocator()) {
      for (int i = 0; i < 300; i++) {
        int length = 1 + random.nextInt(500);
        try (Float4Vector v = filled(allocator, length)) {
          double nullRate = random.nextInt(4) == 0 ? 0 : random.nextDouble() * 0.01;
          for (int r = 0; r < length; r++) {
            if (random.nextDouble() < nullRate) {
              v.setNull(r);
            }
          }
          assertThat(Validity.hasNulls(v)).as("case %d", i).isEqualTo(v.getNullCount() > 0);
          int from = random.nextInt(length);
          int count = random.nextInt(length - from) + 1;
          TransferPair pair = v.getTransferPair(allocator);
          pair.splitAndTransfer(from, count);
          try (Float4Vector slice = (Float4Vector) pair.getTo()) {
            assertThat(Validity.hasNulls(slice)).as("case %d slice [%d, +%d)", i, from, count)
                .isEqualTo(slice.getNullCount() > 0);
          }
        }
      }
      assertThat(allocator.getAllocatedMemory()).isZero();
    }
  }

  @Test
  void coversListAndVariableWidthVectors() {
    try (BufferAllocator allocator = new RootAllocator();
        FixedSizeListVector list = FixedSizeListVector.empty("x", 3, allocator);
        VarCharVector strings = new VarCharVector("s", allocator)) {
      list.addOrGetVector(FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)));
      list.allocateNew();
      Float4Vector child = (Float4Vector) list.getDataVector();
      for (int r = 0; r < 70; r++) {
        list.setNotNull(r);
        for (int c = 0; c < 3; c++) {
          child.setSafe(r * 3 + c, r + c);
        }
      }
      child.setValueCount(210);
      list.setValueCount(70);
      assertThat(Validity.hasNulls(list)).isFalse();
      assertThat(Validity.hasNulls(child)).isFalse();
      child.setNull(209);
      assertThat(Validity.hasNulls(child)).isTrue();
      list.setNull(69);
      assertThat(Validity.hasNulls(list)).isTrue();

      strings.allocateNew();
      for (int r = 0; r < 66; r++) {
        strings.setSafe(r, ("v" + r).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      strings.setValueCount(66);
      assertThat(Validity.hasNulls(strings)).isFalse();
      strings.setNull(65);
      assertThat(Validity.hasNulls(strings)).isTrue();
    }
  }

  private static Float4Vector filled(BufferAllocator allocator, int length) {
    Float4Vector v = new Float4Vector("f", allocator);
    v.allocateNew(length);
    for (int r = 0; r < length; r++) {
      v.set(r, r);
    }
    v.setValueCount(length);
    return v;
  }
}
