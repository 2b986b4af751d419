package io.solstice.core.nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class HostGemmTest {

  @Test
  void equalsNd4jsGemmBitForBitForEveryTransposeAndBothPrecisions() {
    SplittableRandom random = new SplittableRandom(5);
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      for (int trial = 0; trial < 160; trial++) {
        // A quarter of the products each shaped like a row, a column, or a single value: ND4J
        // makes those in another order, which rounds differently with some OpenBLAS kernels.
        int shape = trial % 4;
        int m = shape == 1 || shape == 3 ? 1 : 1 + random.nextInt(70);
        int n = shape == 2 || shape == 3 ? 1 : 1 + random.nextInt(70);
        int k = 1 + random.nextInt(300);
        boolean transposeA = random.nextBoolean();
        boolean transposeB = random.nextBoolean();
        double alpha = trial % 3 == 0 ? 1.0 : random.nextDouble(-2, 2);
        double beta = trial % 4 == 0 ? 0.0 : random.nextDouble(-2, 2);
        INDArray a = Nd4j.rand(type, transposeA ? k : m, transposeA ? m : k).subi(0.5);
        INDArray b = Nd4j.rand(type, transposeB ? n : k, transposeB ? k : n).subi(0.5);
        INDArray c = Nd4j.rand(type, m, n);
        INDArray expected = c.dup();
        assertThat(fits(a, b, c, transposeA, transposeB)).isTrue();

        HostGemm.gemm(a, b, c, transposeA, transposeB, alpha, beta);
        Nd4j.gemm(a, b, expected, transposeA, transposeB, alpha, beta);

        assertThat(c.data().asDouble())
            .as("%s %dx%dx%d transposes %b %b", type, m, n, k, transposeA, transposeB)
            .isEqualTo(expected.data().asDouble());
      }
    }
  }

  @Test
  void writesIntoMatricesThatAreViewsOfOneFlatBufferLikeParametersAndGradients() {
    // The MLP's weights and gradients are consecutive row-major views of one flat array.
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray flat = Nd4j.rand(type, 1, 7 + 30 * 20 + 20 * 5);
      INDArray first = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(7, 7 + 600)).reshape('c', 30, 20);
      INDArray second = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(607, 707)).reshape('c', 20, 5);
      INDArray gradientFlat = Nd4j.zeros(type, 1, 707);
      INDArray gradient = gradientFlat.get(NDArrayIndex.point(0), NDArrayIndex.interval(607, 707)).reshape('c', 20, 5);
      assertThat(fits(first, second, Nd4j.create(type, 30, 5), false, false)).isTrue();

      INDArray product = Nd4j.create(type, 30, 5);
      HostGemm.gemm(first, second, product, false, false, 1.0, 0.0);
      HostGemm.gemm(first, product, gradient, true, false, 1.0, 0.0);

      INDArray expectedProduct = Nd4j.create(type, 30, 5);
      Nd4j.gemm(first.dup(), second.dup(), expectedProduct, false, false, 1.0, 0.0);
      assertThat(product.data().asDouble()).isEqualTo(expectedProduct.data().asDouble());
      INDArray expectedGradient = Nd4j.create(type, 20, 5);
      Nd4j.gemm(first.dup(), product, expectedGradient, true, false, 1.0, 0.0);
      assertThat(gradient.dup().data().asDouble()).isEqualTo(expectedGradient.data().asDouble());
      assertThat(gradientFlat.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 607)).sumNumber().doubleValue())
          .as("nothing written outside the view").isZero();
    }
  }

  /**
   * A weight gradient made in tiles of rows ({@link GradientTiles}) must be the gradient made
   * whole: the first layer's shapes at batch 32 with the tiles a model makes (27 rows and a last
   * one of 1), other tile heights, both precisions, into a view of a flat gradient.
   */
  @Test
  void rowsOfATransposedProductAreThoseRowsOfTheWholeProductBitForBit() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      for (int[] mnk : new int[][] {{784, 300, 32}, {100, 37, 5}, {64, 10, 128}}) {
        int m = mnk[0];
        int n = mnk[1];
        int k = mnk[2];
        INDArray a = Nd4j.rand(type, k, m).subi(0.5);
        INDArray b = Nd4j.rand(type, k, n).subi(0.5);
        INDArray whole = Nd4j.create(type, m, n);
        HostGemm.gemm(a, b, whole, true, false, 1.0, 0.0);
        for (int rows : new int[] {27, 1, 7, m / 2 + 1}) {
          INDArray flat = Nd4j.create(type, 1, 11 + m * n + 5);
          INDArray tiled = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(11, 11 + m * n)).reshape(m, n);
          for (int from = 0; from < m; from += rows) {
            HostGemm.transposedProductRows(HostMatrix.of(a), HostMatrix.of(b), HostMatrix.of(tiled), from,
                Math.min(m, from + rows));
          }
          assertThat(tiled.dup().data().asDouble()).as("%s %dx%dx%d in tiles of %d rows", type, m, n, k, rows)
              .isEqualTo(whole.data().asDouble());
          assertThat(flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 11)).sumNumber().doubleValue()
              + flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(11 + m * n, 16 + m * n)).sumNumber().doubleValue())
              .as("nothing written outside the view").isZero();
        }
      }
    }
  }

  @Test
  void refusesRowsOutsideTheProductAndMatricesItCannotTake() {
    HostMatrix a = HostMatrix.of(Nd4j.rand(DataType.FLOAT, 4, 6));
    HostMatrix b = HostMatrix.of(Nd4j.rand(DataType.FLOAT, 4, 3));
    HostMatrix c = HostMatrix.of(Nd4j.create(DataType.FLOAT, 6, 3));
    assertThatThrownBy(() -> HostGemm.transposedProductRows(a, b, c, 4, 7))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rows 4 to 7");
    assertThatThrownBy(() -> HostGemm.transposedProductRows(a, b, c, 3, 3))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rows 3 to 3");
    HostMatrix doubles = HostMatrix.of(Nd4j.create(DataType.DOUBLE, 6, 3));
    assertThatThrownBy(() -> HostGemm.transposedProductRows(a, b, doubles, 0, 6))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host matrices of one type");
  }

  @Test
  void takesTheParametersAndGradientsAnMlpMultipliesAsTheyAre() {
    // Were they ever refused, the model would quietly fall back to ND4J's slower gemm.
    Parameters parameters = Parameters.builder().dataType(DataType.FLOAT).seed(1)
        .weight("layer0/W", Initializer.heNormal(), 784, 300).bias("layer0/b", Initializer.zeros(), 1, 300)
        .weight("layer1/W", Initializer.xavierUniform(), 300, 10).bias("layer1/b", Initializer.zeros(), 1, 10)
        .build();
    INDArray features = Nd4j.rand(DataType.FLOAT, 32, 784);
    INDArray hidden = Nd4j.create(DataType.FLOAT, 32, 300);
    INDArray delta = Nd4j.create(DataType.FLOAT, 32, 10);
    INDArray ones = Nd4j.ones(DataType.FLOAT, 1, 32);

    assertThat(fits(features, parameters.get("layer0/W"), hidden, false, false)).isTrue();
    assertThat(fits(hidden, delta, parameters.gradient("layer1/W"), true, false)).isTrue();
    assertThat(fits(ones, delta, parameters.gradient("layer1/b"), false, false)).isTrue();
    assertThat(fits(delta, parameters.get("layer1/W"), hidden, false, true)).isTrue();
  }

  @Test
  void leavesStridedViewsColumnOrderAndMixedTypesToNd4jWithTheSameResult() {
    INDArray wide = Nd4j.rand(DataType.FLOAT, 8, 12);
    INDArray strided = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 6)); // rows 12 apart
    INDArray columnOrder = Nd4j.rand(DataType.FLOAT, 6, 4).dup('f');
    INDArray doubles = Nd4j.rand(DataType.DOUBLE, 6, 4);
    INDArray b = Nd4j.rand(DataType.FLOAT, 6, 4);
    assertThat(fits(strided, b, Nd4j.create(DataType.FLOAT, 8, 4), false, false)).isFalse();
    assertThat(fits(strided.dup(), columnOrder, Nd4j.create(DataType.FLOAT, 8, 4), false, false)).isFalse();
    assertThat(fits(strided.dup(), doubles, Nd4j.create(DataType.FLOAT, 8, 4), false, false)).isFalse();

    INDArray c = Nd4j.create(DataType.FLOAT, 8, 4);
    HostGemm.gemm(strided, columnOrder, c, false, false, 1.0, 0.0);

    INDArray expected = Nd4j.create(DataType.FLOAT, 8, 4);
    Nd4j.gemm(strided.dup(), columnOrder.dup('c'), expected, false, false, 1.0, 0.0);
    assertThat(c.data().asDouble()).isEqualTo(expected.data().asDouble());
  }

  @Test
  void shapesThatDoNotAgreeGetNd4jsError() {
    INDArray a = Nd4j.rand(DataType.FLOAT, 3, 4);
    INDArray b = Nd4j.rand(DataType.FLOAT, 5, 2);
    assertThat(fits(a, b, Nd4j.create(DataType.FLOAT, 3, 2), false, false)).isFalse();
    assertThatThrownBy(() -> HostGemm.gemm(a, b, Nd4j.create(DataType.FLOAT, 3, 2), false, false, 1.0, 0.0))
        .isInstanceOf(RuntimeException.class);
  }

  private static boolean fits(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB) {
    return HostGemm.takes(HostMatrix.of(a), HostMatrix.of(b), HostMatrix.of(c), transposeA, transposeB);
  }
}
