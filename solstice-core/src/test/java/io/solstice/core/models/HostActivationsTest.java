package io.solstice.core.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.nd4j.HostMatrix;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The Java bias, ReLU and ReLU derivative against ND4J's ops, bit for bit, in both precisions, with
 * the bias a view into a flat parameter array (as the model's is) and the values where a ReLU on
 * bits could go wrong among them: both zeros, both infinities, NaNs of either sign, the smallest
 * subnormals and the largest finite values.
 */
class HostActivationsTest {

  private static final double[] EDGES = {
    0.0, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, -Double.NaN,
    Float.MIN_VALUE, -Float.MIN_VALUE, Double.MIN_VALUE, -Double.MIN_VALUE, Float.MAX_VALUE,
    -Float.MAX_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, 1.0, -1.0
  };

  /** Writes the edge values down column {@code column} of a [rows, units] array. */
  private static void putEdges(INDArray array, int column) {
    for (int i = 0; i < EDGES.length; i++) {
      array.putScalar(i, column, EDGES[i]);
    }
  }

  @Test
  void biasAndReluEqualNd4jsOps() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      for (boolean relu : new boolean[] {true, false}) {
        INDArray flat = Nd4j.randn(type, 1, 200);
        INDArray bias = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(40, 93)).reshape(1, 53);
        INDArray out = Nd4j.randn(type, 37, 53);
        putEdges(out, 7);
        bias.putScalar(7, 0.0);
        putEdges(out, 8); // with a bias of -0: -0 + -0 is the only sum that stays -0
        bias.putScalar(8, -0.0);
        INDArray expected = out.dup();
        expected.addiRowVector(bias);
        if (relu) {
          Nd4j.exec(new RectifiedLinear(expected, expected, 0.0));
        }

        assertThat(HostActivations.addBias(HostMatrix.of(out), HostMatrix.of(bias))).isTrue();
        if (relu) {
          assertThat(HostActivations.relu(HostMatrix.of(out))).isTrue();
        }

        assertThat(out.data().asDouble()).as("%s relu=%s", type, relu).isEqualTo(expected.data().asDouble());
      }
    }
  }

  @Test
  void reluDerivativeEqualsNd4jsOp() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray activation = Nd4j.randn(type, 61, 150);
      Nd4j.exec(new RectifiedLinear(activation, activation, 0.0));
      putEdges(activation, 3);
      INDArray delta = Nd4j.randn(type, 61, 150);
      putEdges(delta, 4);
      putEdges(activation, 4);
      putEdges(delta, 5); // NaN and infinite gradients where the unit was off
      INDArray expected = delta.dup();
      Nd4j.exec(new RectifiedLinearDerivative(activation, expected, expected));

      assertThat(HostActivations.reluBackward(HostMatrix.of(activation), HostMatrix.of(delta))).isTrue();

      assertThat(delta.data().asDouble()).as("%s", type).isEqualTo(expected.data().asDouble());
    }
  }

  @Test
  void aBlockOfRowsIsUpdatedInPlaceAndNothingAroundIt() {
    INDArray big = Nd4j.randn(DataType.FLOAT, 10, 8);
    INDArray rows = big.get(NDArrayIndex.interval(2, 6), NDArrayIndex.all());
    INDArray bias = Nd4j.randn(DataType.FLOAT, 1, 8);
    INDArray expected = big.dup();
    expected.get(NDArrayIndex.interval(2, 6), NDArrayIndex.all()).addiRowVector(bias);

    assertThat(HostActivations.addBias(HostMatrix.of(rows), HostMatrix.of(bias))).isTrue();

    assertThat(big.data().asFloat()).isEqualTo(expected.data().asFloat());
  }

  @Test
  void leavesStridedViewsAndMixedTypesToNd4j() {
    INDArray big = Nd4j.randn(DataType.FLOAT, 10, 8);
    INDArray columns = big.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 6));
    assertThat(HostActivations.addBias(HostMatrix.of(columns), HostMatrix.of(Nd4j.zeros(DataType.FLOAT, 1, 4))))
        .isFalse();
    assertThat(HostActivations.relu(HostMatrix.of(columns))).isFalse();
    assertThat(HostActivations.addBias(HostMatrix.of(big), HostMatrix.of(Nd4j.zeros(DataType.DOUBLE, 1, 8))))
        .isFalse();
    assertThat(HostActivations.reluBackward(HostMatrix.of(big), HostMatrix.of(Nd4j.zeros(DataType.DOUBLE, 10, 8))))
        .isFalse();
  }
}
