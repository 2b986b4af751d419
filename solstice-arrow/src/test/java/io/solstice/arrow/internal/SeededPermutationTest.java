package io.solstice.arrow.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** A seeded permutation is a bijection, and its inverse undoes it. */
class SeededPermutationTest {

  @Test
  void inverseUndoesApplyForEverySizeAndEveryIndex() {
    for (long size : new long[] {1, 2, 3, 5, 17, 250, 1_000, 4_097}) {
      for (long key : new long[] {0, 42, -7}) {
        SeededPermutation p = new SeededPermutation(size, key);
        BitSet images = new BitSet();
        for (long i = 0; i < size; i++) {
          long image = p.apply(i);
          assertThat(p.inverse(image)).as("size %d key %d index %d", size, key, i).isEqualTo(i);
          images.set((int) image);
        }
        assertThat(images.cardinality()).as("size %d key %d: a bijection", size, key).isEqualTo((int) size);
      }
    }
  }

  @Test
  void indicesOutsideTheRangeAreRefused() {
    SeededPermutation p = new SeededPermutation(10, 1);
    assertThatThrownBy(() -> p.inverse(10)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> p.inverse(-1)).isInstanceOf(IndexOutOfBoundsException.class);
  }
}
