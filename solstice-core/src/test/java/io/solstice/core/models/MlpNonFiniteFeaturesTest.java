package io.solstice.core.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.solstice.core.NamedArrays;
import io.solstice.core.NonFiniteFeaturesException;
import io.solstice.core.TensorBatch;
import io.solstice.core.nd4j.FiniteValues;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The built-in MLPs refuse a batch whose features hold a NaN or an infinity, judging from their
 * first layer's output, before anything of the model has changed: each kind of value at the
 * first, a middle and the last position, with dropout (whose generator counter must not move),
 * with float64 features into a float32 model, and with the weights that meet the value all zero.
 */
class MlpNonFiniteFeaturesTest {

  private static final int ROWS = 6;
  private static final int INPUTS = 5;
  private static final double[] NON_FINITE = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
  private static final int[][] POSITIONS = {{0, 0}, {2, 3}, {ROWS - 1, INPUTS - 1}};

  private static MlpClassifier classifier() {
    return MlpClassifier.builder().inputs(INPUTS).hidden(8, 4).classes(3).dropout(0.25).seed(11).build();
  }

  private static MlpRegressor regressor() {
    return MlpRegressor.builder().inputs(INPUTS).hidden(8).dropout(0.25).seed(11).build();
  }

  private static INDArray features(DataType type) {
    Random random = new Random(5);
    INDArray x = Nd4j.create(type, ROWS, INPUTS);
    for (int r = 0; r < ROWS; r++) {
      for (int c = 0; c < INPUTS; c++) {
        x.putScalar(r, c, 2 * random.nextDouble() - 1);
      }
    }
    return x;
  }

  private static TensorBatch classes(INDArray features) {
    return TensorBatch.of(features, Nd4j.createFromArray(0f, 1f, 2f, 0f, 1f, 2f));
  }

  private static TensorBatch targets(INDArray features) {
    return TensorBatch.of(features, Nd4j.createFromArray(0.5f, -1f, 2f, 0f, 1f, 3f));
  }

  private static String kind(double value) {
    return Double.isNaN(value) ? "NaN" : "infinity";
  }

  @Test
  void theClassifierRefusesEachKindAtEveryPositionInTrainEvalAndRowEvaluationLeavingItsStateAsItWas() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      for (double bad : NON_FINITE) {
        for (int[] at : POSITIONS) {
          MlpClassifier model = classifier();
          // One clean step first, so that the optimizer's moments and the dropout counter are
          // not at their initial values.
          model.trainStep(classes(features(DataType.FLOAT)));
          NamedArrays before = model.state().copy();
          INDArray x = features(type);
          x.putScalar(at[0], at[1], bad);
          TensorBatch poisoned = classes(x);
          String where = type + " " + bad + " at " + at[0] + "," + at[1];

          assertRefused(() -> model.trainStep(poisoned), kind(bad), where);
          assertRefused(() -> model.evalStep(poisoned), kind(bad), where);
          assertRefused(() -> model.evaluateRows(poisoned), kind(bad), where);
          assertRefused(() -> model.gradients(poisoned.features(), poisoned.labels()), kind(bad), where);
          assertThat(model.state()).as(where).isEqualTo(before);
        }
      }
    }
  }

  @Test
  void aRefusedBatchLeavesTheNextStepsAsIfItHadNeverComeWithDropoutToo() {
    MlpClassifier refusing = classifier();
    MlpClassifier clean = classifier();
    INDArray poisoned = features(DataType.FLOAT);
    poisoned.putScalar(1, 2, Float.NaN);
    for (int step = 0; step < 3; step++) {
      TensorBatch batch = classes(features(DataType.FLOAT).muli(step + 1));
      refusing.trainStep(batch);
      clean.trainStep(batch);
      assertThatThrownBy(() -> refusing.trainStep(classes(poisoned)))
          .isInstanceOf(NonFiniteFeaturesException.class);
    }

    assertThat(refusing.state()).isEqualTo(clean.state());
  }

  @Test
  void anInfinityMeetingOnlyZeroWeightsIsStillRefused() {
    MlpClassifier model = classifier();
    Map<String, INDArray> arrays = new LinkedHashMap<>();
    model.state().asMap().forEach((name, array) -> arrays.put(name, array.dup()));
    // Feature 3's row of the first layer's weights: every product with it is zero unless the
    // feature is not finite (infinity times zero is NaN).
    arrays.get("layer0/W").getRow(3).assign(0);
    MlpClassifier zeroed = model.withState(NamedArrays.of(arrays));
    INDArray x = features(DataType.FLOAT);
    x.putScalar(4, 3, Float.POSITIVE_INFINITY);

    assertRefused(() -> zeroed.trainStep(classes(x)), "infinity", "zero weights");
  }

  @Test
  void hugeFiniteFeaturesAreNotRefusedThoughTheFirstLayerOverflows() {
    MlpClassifier model = classifier();
    INDArray x = Nd4j.valueArrayOf(new long[] {ROWS, INPUTS}, Float.MAX_VALUE, DataType.FLOAT);
    assertThat(FiniteValues.allFinite(x.mmul(model.state().get("layer0/W"))))
        .as("precondition: the first layer overflows").isFalse();

    // The step goes on, and its loss says what happened (the engine's policy reads it there).
    assertThatCode(() -> model.gradients(x, classes(x).labels())).doesNotThrowAnyException();
  }

  @Test
  void predictionsAreNotChecked() {
    MlpClassifier model = classifier();
    INDArray x = features(DataType.FLOAT);
    x.putScalar(2, 1, Float.NaN);

    INDArray probabilities = model.predict(x);

    assertThat(probabilities.getRow(2).data().asDouble()).containsOnly(Double.NaN);
    assertThat(probabilities.getRow(0).sumNumber().doubleValue()).isCloseTo(1.0, within(1e-5));
    assertThat(model.predictClasses(x)).hasSize(ROWS);
  }

  @Test
  void theRegressorRefusesEachKindInTrainAndEvalLeavingItsStateAsItWasButPredicts() {
    for (double bad : NON_FINITE) {
      for (int[] at : POSITIONS) {
        MlpRegressor model = regressor();
        model.trainStep(targets(features(DataType.FLOAT)));
        NamedArrays before = model.state().copy();
        INDArray x = features(DataType.FLOAT);
        x.putScalar(at[0], at[1], bad);
        TensorBatch poisoned = targets(x);
        String where = bad + " at " + at[0] + "," + at[1];

        assertRefused(() -> model.trainStep(poisoned), kind(bad), where);
        assertRefused(() -> model.evalStep(poisoned), kind(bad), where);
        assertRefused(() -> model.loss(poisoned.features(), poisoned.labels()), kind(bad), where);
        assertThat(model.state()).as(where).isEqualTo(before);
        if (Double.isNaN(bad)) {
          // A NaN passes the ReLU (an infinity below zero would not): the row's prediction is NaN.
          assertThat(model.predict(x).getDouble(at[0], 0)).as(where).isNaN();
        }
      }
    }
  }

  private static void assertRefused(Runnable call, String found, String where) {
    assertThatThrownBy(call::run).as(where)
        .isInstanceOf(NonFiniteFeaturesException.class)
        .satisfies((Consumer<Throwable>) e -> assertThat(((NonFiniteFeaturesException) e).found()).isEqualTo(found));
  }
}
