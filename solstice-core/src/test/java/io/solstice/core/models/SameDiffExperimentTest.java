package io.solstice.core.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.NamedArrays;
import io.solstice.core.TensorBatch;
import io.solstice.core.data.Digits;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.testing.DigitsModels;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

class SameDiffExperimentTest {

  @Test
  void reachesAtLeast95PercentTestAccuracyOnDigits() {
    DigitsDataset.Split split = Digits.split();
    List<TensorBatch> train = split.train().batches(64);
    SameDiffExperiment experiment = DigitsModels.sameDiff(42);

    for (int epoch = 0; epoch < 10; epoch++) {
      for (TensorBatch batch : train) {
        experiment = experiment.trainStep(batch).experiment();
      }
    }
    ClassificationMetrics test = ClassificationMetrics.empty(10);
    for (TensorBatch batch : split.test().batches(100)) {
      test = test.merge(experiment.evalStep(batch).outputs());
    }

    System.out.println("SameDiff digits test accuracy: " + test.compute().get("accuracy"));
    assertThat(test.count()).isEqualTo(split.test().size());
    assertThat(test.compute().get("accuracy")).isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void trainingChangesTheGraphVariablesThemselves() {
    SameDiffExperiment experiment = DigitsModels.sameDiff(1);
    var before = experiment.graph().getVariable("w0").getArr().dup();

    experiment.trainStep(Digits.split().train().batches(32).get(0));

    assertThat(experiment.graph().getVariable("w0").getArr()).isNotEqualTo(before);
    assertThat(experiment.graph().getVariable("w0").getArr())
        .isEqualTo(experiment.state().get("w0"));
  }

  @Test
  void restoredIntoAFreshGraphTheNextStepsAreBitIdentical() {
    List<TensorBatch> batches = Digits.split().train().batches(32);
    SameDiffExperiment original = DigitsModels.sameDiff(1);
    for (int i = 0; i < 4; i++) {
      original = original.trainStep(batches.get(i)).experiment();
    }
    NamedArrays saved = original.state().copy();
    assertThat(saved.names())
        .containsExactly("b0", "b1", "w0", "w1",
            "updater/b0/M", "updater/b0/V", "updater/b1/M", "updater/b1/V",
            "updater/w0/M", "updater/w0/V", "updater/w1/M", "updater/w1/V",
            "updater/iteration", "updater/epoch");

    SameDiffExperiment restored = DigitsModels.sameDiff(777).withState(saved);
    assertThat(restored.state()).isEqualTo(saved);
    for (int i = 4; i < 7; i++) {
      original = original.trainStep(batches.get(i)).experiment();
      restored = restored.trainStep(batches.get(i)).experiment();
    }

    assertThat(restored.state()).isEqualTo(original.state());
    assertThat(restored.state()).isNotEqualTo(saved);
    TensorBatch probe = batches.get(10);
    assertThat(restored.predict(probe.features())).isEqualTo(original.predict(probe.features()));
  }

  @Test
  void takesPlaceholdersLossAndUpdaterFromTheGraphsTrainingConfig() {
    SameDiff sd = DigitsModels.sameDiffGraph(3);
    sd.setTrainingConfig(
        TrainingConfig.builder()
            .updater(new Adam(1e-3))
            .dataSetFeatureMapping("input")
            .dataSetLabelMapping("label")
            .build());
    sd.setLossVariables("loss");

    SameDiffExperiment experiment =
        SameDiffExperiment.builder(sd).predictions("probabilities").build();
    ClassificationMetrics metrics =
        experiment.trainStep(Digits.split().train().batches(16).get(0)).outputs();

    assertThat(metrics.count()).isEqualTo(16);
    assertThat(experiment.optimizer().learningRate()).isEqualTo(1e-3);
  }

  @Test
  void misnamedOrConstantOnlyGraphsAreRefusedWithWhatToDo() {
    assertThatThrownBy(
            () -> SameDiffExperiment.builder(DigitsModels.sameDiffGraph(1)).features("pixels").labels("label")
                .loss("loss").predictions("probabilities").updater(new Adam(1e-3)).build())
        .hasMessageContaining("no variable 'pixels'");
    assertThatThrownBy(
            () -> SameDiffExperiment.builder(DigitsModels.sameDiffGraph(1)).features("input").labels("label")
                .loss("loss").predictions("probabilities").build())
        .hasMessageContaining("updater(new Adam");

    SameDiff constants = SameDiff.create();
    SDVariable x = constants.placeHolder("x", DataType.FLOAT, -1, 2);
    SDVariable y = constants.placeHolder("y", DataType.FLOAT, -1, 2);
    SDVariable w = constants.zero("w", DataType.FLOAT, 2, 2);
    SDVariable scores = x.mmul(w);
    constants.loss.meanSquaredError("mse", y, scores, null);
    assertThatThrownBy(
            () -> SameDiffExperiment.builder(constants).features("x").labels("y").loss("mse")
                .predictions(scores.name()).updater(new Adam(1e-3)).build())
        .hasMessageContaining("sd.var");
  }
}
