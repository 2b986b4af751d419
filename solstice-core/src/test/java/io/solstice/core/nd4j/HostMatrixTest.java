package io.solstice.core.nd4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class HostMatrixTest {

  @Test
  void aParameterViewOfAFlatBufferIsReadAndWrittenInPlace() {
    Parameters parameters = Parameters.builder().dataType(DataType.FLOAT).seed(3)
        .weight("layer0/W", Initializer.heNormal(), 6, 4).bias("layer0/b", Initializer.zeros(), 1, 4)
        .weight("layer1/W", Initializer.xavierUniform(), 4, 3).build();
    INDArray weight = parameters.get("layer1/W");
    HostMatrix matrix = HostMatrix.of(weight);

    assertThat(matrix.onHost()).isTrue();
    assertThat(matrix.rows()).isEqualTo(4);
    assertThat(matrix.columns()).isEqualTo(3);
    FloatBuffer values = matrix.bytes().asFloatBuffer();
    assertThat(values.limit()).isEqualTo(12);
    float[] read = new float[12];
    values.get(0, read);
    assertThat(read).isEqualTo(weight.dup().data().asFloat());

    values.put(11, 42f);
    assertThat(weight.getFloat(3, 2)).isEqualTo(42f);
    assertThat(parameters.values().getFloat(parameters.length() - 1)).isEqualTo(42f);
    assertThat(parameters.values().getFloat(parameters.length() - 13)).as("the value before the view")
        .isEqualTo(parameters.get("layer0/b").getFloat(0, 3));
  }

  @Test
  void aBlockOfRowsIsOnTheHostButColumnsColumnOrderVectorsAndIntegersAreNot() {
    INDArray wide = Nd4j.rand(DataType.DOUBLE, 8, 12);
    HostMatrix rows = HostMatrix.of(wide.get(NDArrayIndex.interval(2, 5), NDArrayIndex.all()));
    assertThat(rows.onHost()).isTrue();
    assertThat(rows.bytes().asDoubleBuffer().get(0)).isEqualTo(wide.getDouble(2, 0));

    assertThat(HostMatrix.of(wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 6))).onHost()).isFalse();
    assertThat(HostMatrix.of(Nd4j.rand(DataType.FLOAT, 6, 4).dup('f')).onHost()).isFalse();
    assertThat(HostMatrix.of(Nd4j.rand(DataType.FLOAT, 6)).onHost()).isFalse();
    assertThat(HostMatrix.of(Nd4j.zeros(DataType.INT, 2, 2)).onHost()).isFalse();
    assertThat(HostMatrix.of(Nd4j.zeros(DataType.INT, 2, 2)).bytes()).isNull();
  }
}
