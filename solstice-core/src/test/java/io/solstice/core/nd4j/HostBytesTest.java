package io.solstice.core.nd4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The zero-copy byte view: the array's own memory both ways, and null for what it can't cover. */
class HostBytesTest {

  @Test
  void readsAndWritesTheArraysOwnMemory() {
    INDArray floats = Nd4j.createFromArray(1f, 2f, 3f, 4f, 5f, 6f).reshape('c', 2, 3).dup('c');
    ByteBuffer bytes = HostBytes.of(floats);
    assertThat(bytes).isNotNull();
    assertThat(bytes.capacity()).isEqualTo(6 * Float.BYTES);
    assertThat(bytes.getFloat(5 * Float.BYTES)).isEqualTo(6f);
    bytes.putFloat(Float.BYTES, 20f);
    assertThat(floats.getFloat(0, 1)).isEqualTo(20f);
    floats.putScalar(1, 0, 40.0);
    assertThat(bytes.getFloat(3 * Float.BYTES)).isEqualTo(40f);

    INDArray doubles = Nd4j.createFromArray(1.5, -2.5);
    assertThat(HostBytes.of(doubles).getDouble(Double.BYTES)).isEqualTo(-2.5);
  }

  @Test
  void isNullForViewsOtherOrdersAndOtherTypes() {
    INDArray whole = Nd4j.rand(DataType.FLOAT, 4, 5);
    assertThat(HostBytes.of(whole.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all()))).isNull();
    assertThat(HostBytes.of(whole.get(NDArrayIndex.all(), NDArrayIndex.point(1)))).isNull();
    assertThat(HostBytes.of(whole.dup('f'))).isNull();
    assertThat(HostBytes.of(Nd4j.create(DataType.HALF, 4))).isNull();
    assertThat(HostBytes.of(Nd4j.create(DataType.INT, 4))).isNull();
  }
}
