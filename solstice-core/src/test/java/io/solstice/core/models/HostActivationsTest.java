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
 * The Java bias, ReLU and ReLU derivative against ND4J's ops, bit for bit, in both precisions and,
 * for the ReLU and its derivative, on both loops (the plain one and, where the JVM has it, the
 * Vector API's), with the bias a view into a flat parameter array (as the model's is) and the
 * values where a ReLU on bits could go wrong among them: both zeros, both infinities, NaNs of
 * either sign, the smallest subnormals and the largest finite values.
 */
class HostActivationsTest {

  /** The loops this JVM can run: the plain one, and the vector one where it is available. */
  private static boolean[] loops() {
    return HostActivations.vectorsAvailable() ? new boolean[] {false, true} : new boolean[] {false};
  }

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
  void theVectorLoopsRunWhereTheVectorApiReadsByteBuffers() {
    // The build's test JVMs add jdk.incubator.vector; Java 19 replaced the API's ByteBuffer methods.
    assertThat(HostActivations.vectorsAvailable()).as("on Java %s", Runtime.version())
        .isEqualTo(Runtime.version().feature() <= 18);
  }

  @Test
  void biasAndReluEqualNd4jsOps() {
    for (boolean vectors : loops()) {
      biasAndReluEqualNd4jsOps(vectors);
    }
  }

  private static void biasAndReluEqualNd4jsOps(boolean vectors) {
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
          assertThat(HostActivations.relu(HostMatrix.of(out), vectors)).isTrue();
        }

        assertThat(out.data().asDouble()).as("%s relu=%s vectors=%s", type, relu, vectors)
            .isEqualTo(expected.data().asDouble());
      }
    }
  }

  @Test
  void reluDerivativeEqualsNd4jsOp() {
    for (boolean vectors : loops()) {
      reluDerivativeEqualsNd4jsOp(vectors);
    }
  }

  private static void reluDerivativeEqualsNd4jsOp(boolean vectors) {
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

      assertThat(HostActivations.reluBackward(HostMatrix.of(activation), HostMatrix.of(delta), vectors)).isTrue();

      assertThat(delta.data().asDouble()).as("%s vectors=%s", type, vectors).isEqualTo(expected.data().asDouble());
    }
  }

  @Test
  void everyEdgeValueAloneEqualsNd4jsOps() {
    // Five values per array, fewer than a vector holds: the vector loops' scalar tails, which
    // take an array's last values. (Not one value: ND4J's ReLU gives 1e-5 for a [1, 1] NaN.)
    for (boolean vectors : loops()) {
      for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
        for (double value : EDGES) {
          for (double other : EDGES) {
            INDArray out = Nd4j.valueArrayOf(new long[] {1, 5}, value, type);
            INDArray bias = Nd4j.valueArrayOf(new long[] {1, 5}, other, type);
            INDArray expected = out.dup().addiRowVector(bias);
            Nd4j.exec(new RectifiedLinear(expected, expected, 0.0));
            INDArray delta = Nd4j.valueArrayOf(new long[] {1, 5}, other, type);
            INDArray expectedDelta = delta.dup();
            Nd4j.exec(new RectifiedLinearDerivative(out, expectedDelta, expectedDelta));

            assertThat(HostActivations.reluBackward(HostMatrix.of(out), HostMatrix.of(delta), vectors)).isTrue();
            assertThat(HostActivations.addBias(HostMatrix.of(out), HostMatrix.of(bias))).isTrue();
            assertThat(HostActivations.relu(HostMatrix.of(out), vectors)).isTrue();

            String at = type + " " + value + ", " + other + ", vectors=" + vectors;
            assertThat(delta.data().asDouble()).as("derivative %s", at).isEqualTo(expectedDelta.data().asDouble());
            assertThat(out.data().asDouble()).as("bias and ReLU %s", at).isEqualTo(expected.data().asDouble());
          }
        }
      }
    }
  }

  @Test
  void aBlockOfRowsIsUpdatedInPlaceAndNothingAroundIt() {
    for (boolean vectors : loops()) {
      // 4 rows of 37 values: nine vectors of 16 with AVX-512 (18 of 8 with AVX2) and a tail of 4.
      INDArray big = Nd4j.randn(DataType.FLOAT, 10, 37);
      INDArray rows = big.get(NDArrayIndex.interval(2, 6), NDArrayIndex.all());
      INDArray bias = Nd4j.randn(DataType.FLOAT, 1, 37);
      INDArray expected = big.dup();
      expected.get(NDArrayIndex.interval(2, 6), NDArrayIndex.all()).addiRowVector(bias);
      Nd4j.exec(new RectifiedLinear(expected.get(NDArrayIndex.interval(2, 6), NDArrayIndex.all()),
          expected.get(NDArrayIndex.interval(2, 6), NDArrayIndex.all()), 0.0));

      assertThat(HostActivations.addBias(HostMatrix.of(rows), HostMatrix.of(bias))).isTrue();
      assertThat(HostActivations.relu(HostMatrix.of(rows), vectors)).isTrue();

      assertThat(big.data().asFloat()).as("vectors=%s", vectors).isEqualTo(expected.data().asFloat());
    }
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
