package io.solstice.online.linear;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.arrow.ArrowBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.online.streams.DriftingStreams;
import io.solstice.online.streams.SeaGenerator;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.AdaGrad;

/**
 * The online linear models evaluate row by row: one pass gives the metrics of {@code evalStep}
 * and each row's error without learning, and a prequential run carries those errors on every
 * train step.
 */
class LinearRowEvaluationTest {

  @Test
  void logisticRowErrorsAreItsMisclassifiedRowsAndLearnNothing() {
    try (BufferAllocator allocator = new RootAllocator()) {
      OnlineLogisticRegression model =
          new OnlineLogisticRegression(3, 2, LinearOptions.defaults().withUpdater(new AdaGrad(0.1)));
      List<ArrowBatch> batches = DriftingStreams.arrow(() -> SeaGenerator.of(1, 3), 500, allocator)
          .take(3).collectList().block();
      model.trainStep(batches.get(0));
      model.trainStep(batches.get(1));
      long learned = model.rowsLearned();

      var rows = model.evaluateRows(batches.get(2));

      ClassificationMetrics metrics = model.evalStep(batches.get(2)).outputs();
      assertThat(rows.outputs().confusionMatrix()).isEqualTo(metrics.confusionMatrix());
      assertThat(rows.errors()).hasSize(500);
      assertThat(Arrays.stream(rows.errors()).sum())
          .isEqualTo(Math.round((1 - metrics.compute().get("accuracy")) * 500));
      assertThat(model.rowsLearned()).isEqualTo(learned);
      batches.forEach(ArrowBatch::close);
    }
  }

  @Test
  void aPrequentialRunCarriesEachRowsErrorBeforeTheBatchTrains() {
    try (BufferAllocator allocator = new RootAllocator()) {
      OnlineLogisticRegression model =
          new OnlineLogisticRegression(3, 2, LinearOptions.defaults().withUpdater(new AdaGrad(0.1)));
      List<TrainingEvent.StepEnded<OnlineLogisticRegression, ClassificationMetrics>> steps =
          Solstice.run(model)
              .train(DriftingStreams.arrow(() -> SeaGenerator.of(1, 3), 256, allocator).take(20))
              .prequential(5, 1.0)
              .steps().collectList().block();

      assertThat(steps).hasSize(20).allSatisfy(step -> {
        double[] errors = step.prequential().rowErrors();
        assertThat(errors).hasSize(256);
        double accuracy = step.prequential().evaluated().compute().get("accuracy");
        assertThat(Arrays.stream(errors).sum()).isEqualTo(Math.round((1 - accuracy) * 256));
      });
    }
  }
}
