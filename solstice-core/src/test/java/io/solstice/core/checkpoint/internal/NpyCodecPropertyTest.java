package io.solstice.core.checkpoint.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Any array, in any layout, decodes to the same shape, type and values it was encoded from. */
class NpyCodecPropertyTest {

  record Case(DataType type, long[] shape, char order, boolean transposed, long seed) {
    INDArray build() {
      INDArray base = Nd4j.rand(DataType.DOUBLE, shape).muli(2000).subi(1000);
      if (type == DataType.INT || type == DataType.LONG || type == DataType.SHORT || type == DataType.BYTE) {
        base = base.divi(type == DataType.BYTE ? 10 : 1);
      }
      INDArray typed = base.castTo(type).dup(order);
      return transposed && typed.rank() >= 2 ? typed.transpose() : typed;
    }
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<DataType> types = Arbitraries.of(
        DataType.FLOAT, DataType.DOUBLE, DataType.INT, DataType.LONG, DataType.SHORT, DataType.BYTE, DataType.HALF);
    Arbitrary<long[]> shapes = Arbitraries.longs().between(1, 5).array(long[].class).ofMinSize(1).ofMaxSize(4);
    return Combinators.combine(types, shapes, Arbitraries.of('c', 'f'), Arbitraries.of(false, true),
        Arbitraries.longs()).as(Case::new);
  }

  @Property(tries = 150)
  void decodeInvertsEncode(@ForAll("cases") Case c) {
    Nd4j.getRandom().setSeed(c.seed());
    INDArray original = c.build();

    INDArray decoded = NpyCodec.decode(NpyCodec.encode(original), "property case");

    assertThat(decoded.dataType()).isEqualTo(original.dataType());
    assertThat(decoded.shape()).containsExactly(original.shape());
    assertThat(decoded.ordering()).isEqualTo('c');
    assertThat(decoded).isEqualTo(original);
  }

  @Property(tries = 20)
  void booleansDecodeToTheSameValues(@ForAll("boolShapes") long[] shape) {
    INDArray original = Nd4j.rand(DataType.DOUBLE, shape).gt(0.5);

    INDArray decoded = NpyCodec.decode(NpyCodec.encode(original), "bools");

    assertThat(decoded).isEqualTo(original);
  }

  @Provide
  Arbitrary<long[]> boolShapes() {
    return Arbitraries.longs().between(1, 6).array(long[].class).ofMinSize(1).ofMaxSize(3);
  }

  @Property(tries = 5)
  void headersAlwaysPadTheDataTo64Bytes(@ForAll("cases") Case c) {
    byte[] npy = NpyCodec.encode(c.build());
    int headerLength = (npy[8] & 0xff) | (npy[9] & 0xff) << 8;
    assertThat((10 + headerLength) % 64).isZero();
    assertThat(npy[10 + headerLength - 1]).isEqualTo((byte) '\n');
    assertThat(List.of(npy[6], npy[7])).containsExactly((byte) 1, (byte) 0);
  }
}
