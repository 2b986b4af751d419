package io.solstice.core.checkpoint.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.testing.RandomCases;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Any array, in any layout, decodes to the same shape, type and values it was encoded from. */
class NpyCodecPropertyTest {

  private static final DataType[] TYPES = {
    DataType.FLOAT, DataType.DOUBLE, DataType.INT, DataType.LONG, DataType.SHORT, DataType.BYTE, DataType.HALF
  };

  /** A random array: type, shape of rank 1 to 4, C or F order, possibly a transposed view. */
  private static INDArray randomArray(Random random) {
    DataType type = TYPES[random.nextInt(TYPES.length)];
    long[] shape = randomShape(random, 4, 5);
    Nd4j.getRandom().setSeed(random.nextLong());
    INDArray base = Nd4j.rand(DataType.DOUBLE, shape).muli(2000).subi(1000);
    if (type == DataType.BYTE) {
      base = base.divi(10);
    }
    INDArray typed = base.castTo(type).dup(random.nextBoolean() ? 'c' : 'f');
    return random.nextBoolean() && typed.rank() >= 2 ? typed.transpose() : typed;
  }

  private static long[] randomShape(Random random, int maxRank, int maxSide) {
    long[] shape = new long[1 + random.nextInt(maxRank)];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = 1 + random.nextInt(maxSide);
    }
    return shape;
  }

  @Test
  void decodeInvertsEncode() {
    RandomCases.check(150, 11, random -> {
      INDArray original = randomArray(random);

      INDArray decoded = NpyCodec.decode(NpyCodec.encode(original), "property case");

      assertThat(decoded.dataType()).isEqualTo(original.dataType());
      assertThat(decoded.shape()).containsExactly(original.shape());
      assertThat(decoded.ordering()).isEqualTo('c');
      assertThat(decoded).isEqualTo(original);
    });
  }

  @Test
  void booleansDecodeToTheSameValues() {
    RandomCases.check(20, 12, random -> {
      Nd4j.getRandom().setSeed(random.nextLong());
      INDArray original = Nd4j.rand(DataType.DOUBLE, randomShape(random, 3, 6)).gt(0.5);

      INDArray decoded = NpyCodec.decode(NpyCodec.encode(original), "bools");

      assertThat(decoded).isEqualTo(original);
    });
  }

  @Test
  void headersAlwaysPadTheDataTo64Bytes() {
    RandomCases.check(20, 13, random -> {
      byte[] npy = NpyCodec.encode(randomArray(random));
      int headerLength = (npy[8] & 0xff) | (npy[9] & 0xff) << 8;
      assertThat((10 + headerLength) % 64).isZero();
      assertThat(npy[10 + headerLength - 1]).isEqualTo((byte) '\n');
      assertThat(List.of(npy[6], npy[7])).containsExactly((byte) 1, (byte) 0);
    });
  }
}
