package io.solstice.core.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.nd4j.Parameters;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/** Backpropagation checked against central finite differences, in double precision. */
class MlpClassifierGradientTest {

  private static final double EPSILON = 1e-6;
  private static final double MAX_RELATIVE_ERROR = 1e-5;
  /** Below this, both gradients count as zero (as in DL4J's GradientCheckUtil). */
  private static final double MIN_ABSOLUTE_ERROR = 1e-9;

  @Test
  void analyticGradientsOfEveryParameterMatchFiniteDifferences() throws Exception {
    MlpClassifier model =
        MlpClassifier.builder().inputs(5).hidden(7, 6).classes(4)
            .updater(new Sgd(0.1)).dataType(DataType.DOUBLE).seed(3).build();
    INDArray features;
    INDArray labels;
    try (Random random = Nd4j.getRandomFactory().getNewRandomInstance(11)) {
      features = random.nextGaussian('c', new long[] {9, 5}).castTo(DataType.DOUBLE);
    }
    labels = Nd4j.createFromArray(0, 1, 2, 3, 3, 2, 1, 0, 2);

    model.gradients(features, labels);
    Parameters params = model.parameters();
    INDArray analytic = params.gradients().dup();

    INDArray flat = params.values();
    int checked = 0;
    for (long i = 0; i < flat.length(); i++) {
      double original = flat.getDouble(i);
      flat.putScalar(i, original + EPSILON);
      double plus = model.loss(features, labels);
      flat.putScalar(i, original - EPSILON);
      double minus = model.loss(features, labels);
      flat.putScalar(i, original);
      double numeric = (plus - minus) / (2 * EPSILON);
      double exact = analytic.getDouble(i);
      double absolute = Math.abs(numeric - exact);
      if (absolute > MIN_ABSOLUTE_ERROR) {
        double relative = absolute / Math.max(Math.abs(numeric), Math.abs(exact));
        assertThat(relative)
            .as("parameter %d: analytic %s vs numeric %s", i, exact, numeric)
            .isLessThan(MAX_RELATIVE_ERROR);
      }
      checked++;
    }
    assertThat(checked).isEqualTo(5 * 7 + 7 + 7 * 6 + 6 + 6 * 4 + 4);
    assertThat(analytic.norm2Number().doubleValue()).isGreaterThan(1e-3);
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
