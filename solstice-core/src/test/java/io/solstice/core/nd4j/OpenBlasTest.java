package io.solstice.core.nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The sum of magnitudes that the engine's non-finite check relies on: a NaN (of either sign, any
 * payload) or an infinity anywhere makes it non-finite, at every position of lengths that cover
 * the vector kernels' blocks and tails, in both precisions; finite values give their sum.
 */
class OpenBlasTest {

  private static final double[] NON_FINITE = {Double.NaN, -Double.NaN,
      Double.longBitsToDouble(0x7ff0000000000123L), Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};

  @Test
  void isAvailableOnTheCpuBackend() {
    assertThat(OpenBlas.available()).isTrue();
  }

  @Test
  void aNonFiniteValueAtAnyPositionMakesTheSumNonFinite() {
    SplittableRandom random = new SplittableRandom(3);
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      for (int length = 1; length <= 140; length++) {
        INDArray array = Nd4j.rand(type, 1, length).subi(0.5);
        ByteBuffer bytes = HostBytes.of(array);
        for (int at = 0; at < length; at++) {
          double before = array.getDouble(0, at);
          for (double bad : NON_FINITE) {
            array.putScalar(0, at, bad);
            assertThat(OpenBlas.absoluteSum(bytes, type))
                .as("%s length %d, %s at %d", type, length, bad, at)
                .matches(sum -> !Double.isFinite(sum));
          }
          array.putScalar(0, at, before);
        }
        double expected = 0;
        for (int i = 0; i < length; i++) {
          expected += Math.abs(array.getDouble(0, i));
        }
        assertThat(OpenBlas.absoluteSum(bytes, type)).as("%s length %d", type, length)
            .isCloseTo(expected, within(1e-4 * Math.max(1, expected)));
      }
      // A batch-sized array, poisoned at a few random places one at a time.
      INDArray batch = Nd4j.rand(type, 128, 784);
      ByteBuffer bytes = HostBytes.of(batch);
      assertThat(OpenBlas.absoluteSum(bytes, type)).matches(Double::isFinite);
      for (int trial = 0; trial < 50; trial++) {
        int row = random.nextInt(128);
        int col = random.nextInt(784);
        double before = batch.getDouble(row, col);
        batch.putScalar(row, col, NON_FINITE[random.nextInt(NON_FINITE.length)]);
        assertThat(OpenBlas.absoluteSum(bytes, type)).as("%s at %d,%d", type, row, col)
            .matches(sum -> !Double.isFinite(sum));
        batch.putScalar(row, col, before);
      }
    }
  }

  @Test
  void finiteValuesLargeEnoughOverflowTheSum() {
    INDArray large = Nd4j.valueArrayOf(new long[] {1, 4}, Float.MAX_VALUE, DataType.FLOAT);
    assertThat(OpenBlas.absoluteSum(HostBytes.of(large), DataType.FLOAT)).isInfinite();
  }

  @Test
  void rejectsHeapBuffersAndOtherTypes() {
    assertThatThrownBy(() -> OpenBlas.absoluteSum(ByteBuffer.allocate(16), DataType.FLOAT))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("direct");
    assertThatThrownBy(() -> OpenBlas.absoluteSum(ByteBuffer.allocateDirect(16), DataType.INT))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("INT");
  }
}
