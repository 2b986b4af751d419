package io.solstice.core.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.TensorBatch;
import io.solstice.core.data.Digits;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;

class MlpClassifierTrainingTest {

  @Test
  void reachesAtLeast95PercentTestAccuracyOnDigits() {
    DigitsDataset.Split split = Digits.split();
    List<TensorBatch> train = split.train().batches(64);
    MlpClassifier model =
        MlpClassifier.builder().inputs(64).hidden(128).classes(10)
            .updater(new Adam(3e-3)).seed(42).build();

    for (int epoch = 0; epoch < 15; epoch++) {
      for (TensorBatch batch : train) {
        model = model.trainStep(batch).experiment();
      }
    }
    ClassificationMetrics test = ClassificationMetrics.empty(10);
    for (TensorBatch batch : split.test().batches(100)) {
      test = test.merge(model.evalStep(batch).outputs());
    }

    System.out.println("MLP digits test metrics: accuracy=" + test.compute().get("accuracy")
        + " loss=" + test.compute().get("loss"));
    assertThat(test.count()).isEqualTo(split.test().size());
    assertThat(test.compute().get("accuracy")).isGreaterThanOrEqualTo(0.95);
  }
}
