package io.solstice.core.models;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/** Backpropagation checked against central finite differences, in double precision. */
class MlpClassifierGradientTest {

  /** Nine rows of five seeded Gaussian features. */
  private static INDArray features() throws Exception {
    try (Random random = Nd4j.getRandomFactory().getNewRandomInstance(11)) {
      return random.nextGaussian('c', new long[] {9, 5}).castTo(DataType.DOUBLE);
    }
  }

  /** Their classes, each of four at least twice. */
  private static INDArray labels() {
    return Nd4j.createFromArray(0, 1, 2, 3, 3, 2, 1, 0, 2);
  }

  @Test
  void analyticGradientsOfEveryParameterMatchFiniteDifferences() throws Exception {
    MlpClassifier model =
        MlpClassifier.builder().inputs(5).hidden(7, 6).classes(4)
            .updater(new Sgd(0.1)).dataType(DataType.DOUBLE).seed(3).build();
    INDArray features = features();
    INDArray labels = labels();

    model.gradients(features, labels);
    int checked = FiniteDifferences.assertGradientsMatch(model.parameters(), () -> model.loss(features, labels));

    assertThat(checked).isEqualTo(5 * 7 + 7 + 7 * 6 + 6 + 6 * 4 + 4);
  }

  @Test
  void classWeightedGradientsMatchFiniteDifferencesAndWeightTheLoss() throws Exception {
    double[] weights = {0.5, 2.0, 1.0, 4.0};
    MlpClassifier weighted =
        MlpClassifier.builder().inputs(5).hidden(6).classes(4).classWeights(weights)
            .updater(new Sgd(0.1)).dataType(DataType.DOUBLE).seed(3).build();
    MlpClassifier plain =
        MlpClassifier.builder().inputs(5).hidden(6).classes(4)
            .updater(new Sgd(0.1)).dataType(DataType.DOUBLE).seed(3).build();
    INDArray features = features();
    INDArray labels = labels();

    weighted.gradients(features, labels);
    FiniteDifferences.assertGradientsMatch(weighted.parameters(), () -> weighted.loss(features, labels));

    // The weighted loss is the mean of each row's cross-entropy times its class weight.
    double expected = 0;
    for (int i = 0; i < 9; i++) {
      int y = labels.getInt(i);
      expected += weights[y] * plain.loss(features.getRow(i, true), Nd4j.createFromArray(y));
    }
    assertThat(weighted.loss(features, labels)).isCloseTo(expected / 9, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void balancedWeightsGiveEveryClassTheSameTotalWeight() {
    double[] weights = MlpClassifier.balancedWeights(new long[] {90, 10, 0});
    // scikit-learn: n_samples / (n_classes * bincount(y)); an empty class gets weight 1.
    assertThat(weights).containsExactly(100.0 / (3 * 90), 100.0 / (3 * 10), 1.0);
    assertThat(90 * weights[0]).isCloseTo(10 * weights[1], org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void softmaxRegressionWithoutHiddenLayersHasTheClosedFormGradient() {
    MlpClassifier model =
        MlpClassifier.builder().inputs(3).classes(2).dataType(DataType.DOUBLE).seed(1).build();
    model.parameters().get("layer0/W").assign(0);
    INDArray features = Nd4j.createFromArray(new double[][] {{1, 2, 3}, {-1, 0, 1}});
    INDArray labels = Nd4j.createFromArray(1, 0);

    double loss = model.gradients(features, labels);

    // With zero weights both classes have probability 1/2: loss ln 2, and
    // dL/dW = X^T (P - Y) / N with P - Y = [[0.5, -0.5], [-0.5, 0.5]].
    assertThat(loss).isCloseTo(Math.log(2), org.assertj.core.data.Offset.offset(1e-12));
    INDArray expected =
        Nd4j.createFromArray(new double[][] {{0.5, -0.5}, {0.5, -0.5}, {0.5, -0.5}});
    assertThat(model.parameters().gradient("layer0/W").equalsWithEps(expected, 1e-12)).isTrue();
    assertThat(model.parameters().gradient("layer0/b").sumNumber().doubleValue())
        .isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-12));
  }
}
