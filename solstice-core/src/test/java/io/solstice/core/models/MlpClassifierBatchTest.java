package io.solstice.core.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.TensorBatch;
import io.solstice.core.data.Digits;
import io.solstice.core.metrics.ClassificationMetrics;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Batches as they come from sources: any row count, any floating type, bad input named. */
class MlpClassifierBatchTest {

  private final TensorBatch all = Digits.split().test().asBatch();

  private static MlpClassifier model() {
    return MlpClassifier.builder().inputs(64).hidden(16).classes(10).seed(3).build();
  }

  private TensorBatch rows(int from, int to) {
    return TensorBatch.of(
        all.features().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)),
        all.labels().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)));
  }

  @Test
  void batchSizeMayChangeFromStepToStepBeyondTheCachedSizes() {
    MlpClassifier model = model();
    int from = 0;
    for (int size : new int[] {1, 7, 32, 5, 64, 3, 7, 1}) {
      model = model.trainStep(rows(from, from + size)).experiment();
      from += size;
    }

    ClassificationMetrics whole = model.evalStep(all).outputs();
    ClassificationMetrics pieces =
        model.evalStep(rows(0, 100)).outputs()
            .merge(model.evalStep(rows(100, 101)).outputs())
            .merge(model.evalStep(rows(101, (int) all.rows())).outputs());
    assertThat(pieces.confusionMatrix()).isEqualTo(whole.confusionMatrix());
    assertThat(model.optimizer().iteration()).isEqualTo(8);
  }

  @Test
  void rowEvaluationGivesEvalStepsMetricsAndOneErrorPerMisclassifiedRowWithoutLearning() {
    MlpClassifier model = model();
    for (int from = 0; from < 200; from += 20) {
      model = model.trainStep(rows(from, from + 20)).experiment();
    }
    long iterations = model.optimizer().iteration();

    var evaluated = model.evaluateRows(all);

    int[] predicted = model.predictClasses(all.features());
    double[] expected = new double[predicted.length];
    for (int i = 0; i < predicted.length; i++) {
      expected[i] = predicted[i] == all.labels().getInt(i) ? 0 : 1;
    }
    assertThat(evaluated.errors()).containsExactly(expected);
    ClassificationMetrics metrics = model.evalStep(all).outputs();
    assertThat(evaluated.outputs().confusionMatrix()).isEqualTo(metrics.confusionMatrix());
    assertThat(evaluated.outputs().compute()).isEqualTo(metrics.compute());
    assertThat(java.util.Arrays.stream(evaluated.errors()).sum())
        .isEqualTo(Math.round((1 - metrics.compute().get("accuracy")) * all.rows()));
    assertThat(model.optimizer().iteration()).isEqualTo(iterations);
  }

  @Test
  void doubleFeaturesGiveTheSamePredictionsAsFloatFeatures() {
    MlpClassifier model = model();
    INDArray asDouble = all.features().castTo(DataType.DOUBLE);

    assertThat(model.predictClasses(asDouble)).isEqualTo(model.predictClasses(all.features()));
    INDArray probabilities = model.predict(all.features());
    assertThat(probabilities.shape()).containsExactly(all.rows(), 10);
    double[] ones = new double[(int) all.rows()];
    java.util.Arrays.fill(ones, 1.0);
    assertThat(probabilities.sum(1).toDoubleVector())
        .containsExactly(ones, org.assertj.core.data.Offset.offset(1e-5));
  }

  @Test
  void malformedBatchesAreRefusedWithWhatToDo() {
    MlpClassifier model = model();
    TensorBatch wide = TensorBatch.of(Nd4j.zeros(DataType.FLOAT, 2, 65), Nd4j.createFromArray(0, 1));
    TensorBatch badLabel =
        TensorBatch.of(Nd4j.zeros(DataType.FLOAT, 2, 64), Nd4j.createFromArray(0, 10));

    assertThatThrownBy(() -> model.trainStep(wide))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[rows, 64]")
        .hasMessageContaining("inputs(65)");
    assertThatThrownBy(() -> model.trainStep(badLabel))
        .hasMessageContaining("label at row 1 is 10.0");
    assertThatThrownBy(() -> MlpClassifier.builder().hidden(8).build())
        .hasMessageContaining("inputs(...) and classes(...)");
  }
}
