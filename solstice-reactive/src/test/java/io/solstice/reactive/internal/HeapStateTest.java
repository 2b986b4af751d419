package io.solstice.reactive.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.NamedArrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** A heap copy of named arrays comes back bit for bit, whatever the arrays' layout and type. */
class HeapStateTest {

  @Test
  void arraysOfEveryLayoutAndTypeComeBackBitForBit() {
    INDArray flat = Nd4j.linspace(DataType.FLOAT, 1, 24, 1);
    NamedArrays state = NamedArrays.builder()
        .put("view/first", flat.get(NDArrayIndex.interval(0, 12)).reshape(3, 4))
        .put("view/offset", flat.get(NDArrayIndex.interval(12, 24)))
        .put("fortran", Nd4j.rand(DataType.DOUBLE, 'f', 3, 5))
        .put("strided", Nd4j.linspace(DataType.FLOAT, 1, 20, 1).reshape(4, 5).get(NDArrayIndex.all(), NDArrayIndex.point(2)))
        .put("ints", Nd4j.createFromArray(new int[] {7, -1, 3}))
        .put("bools", Nd4j.createFromArray(true, false, true))
        .put("empty", Nd4j.create(DataType.FLOAT, 0))
        .put("nan", Nd4j.createFromArray(Float.NaN, -0.0f))
        .scalar("counter", 42L)
        .build();

    NamedArrays back = HeapState.of(state).toArrays();

    assertThat(back).isEqualTo(state);
    assertThat(back.names()).containsExactlyElementsOf(state.names());
    // Independent of the original: changing the source changes nothing in the copy.
    HeapState taken = HeapState.of(state);
    flat.addi(1);
    assertThat(taken.toArrays().get("view/offset")).isEqualTo(Nd4j.linspace(DataType.FLOAT, 13, 12, 1));
  }

  @Test
  void aCopyOfTheSameLayoutIsWrittenIntoTheMemoryOfAnEarlierOne() {
    INDArray weights = Nd4j.rand(DataType.FLOAT, 4, 3);
    NamedArrays state = NamedArrays.builder().put("w", weights).scalar("step", 1L).build();
    HeapState first = HeapState.of(state);
    weights.addi(1);
    NamedArrays later = NamedArrays.builder().put("w", weights).scalar("step", 2L).build();

    HeapState second = HeapState.of(later, first);

    assertThat(second).isSameAs(first);
    assertThat(second.toArrays()).isEqualTo(later);
    NamedArrays otherShape = NamedArrays.builder().put("w", Nd4j.rand(DataType.FLOAT, 2, 3)).scalar("step", 3L).build();
    HeapState third = HeapState.of(otherShape, second);
    assertThat(third).isNotSameAs(second);
    assertThat(third.toArrays()).isEqualTo(otherShape);
    assertThat(second.toArrays()).as("left as it was").isEqualTo(later);
  }
}
