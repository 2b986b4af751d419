package io.solstice.examples.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.metrics.ClassificationMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The per-class report reads like scikit-learn's classification_report. */
class ClassificationReportTest {

  @Test
  void printsEachClassByNameThenAccuracyAndTheAverages() {
    // Targets [0, 0, 1, 2], predictions [0, 1, 1, 2] (argmax of the scores).
    float[][] scores = {{0.9f, 0.1f, 0}, {0.2f, 0.8f, 0}, {0.1f, 0.9f, 0}, {0, 0.1f, 0.9f}};
    ClassificationMetrics m = ClassificationMetrics.fromScores(
        Nd4j.createFromArray(scores), Nd4j.createFromArray(0L, 0L, 1L, 2L), 0.5);

    List<String> lines = ClassificationReport.format(m, List.of("cat", "dog", "emu")).lines().toList();

    assertThat(lines.get(0)).containsSubsequence("precision", "recall", "f1-score", "support");
    // cat: precision 1, recall 1/2, F1 2/3, support 2; dog: precision 1/2, recall 1, F1 2/3.
    assertThat(lines).contains(
        "         cat     1.0000     0.5000     0.6667          2",
        "         dog     0.5000     1.0000     0.6667          1",
        "         emu     1.0000     1.0000     1.0000          1",
        "    accuracy                           0.7500          4",
        "   macro avg     0.8333     0.8333     0.7778          4",
        "weighted avg     0.8750     0.7500     0.7500          4");
  }

  @Test
  void leavesOutAndNamesAClassWithNoRowAndNoPrediction() {
    // Targets [0, 1], predictions [0, 1]: "emu" is in the class list but nowhere in these rows.
    float[][] scores = {{0.9f, 0.1f, 0}, {0.2f, 0.8f, 0}};
    ClassificationMetrics m = ClassificationMetrics.fromScores(
        Nd4j.createFromArray(scores), Nd4j.createFromArray(0L, 1L), 0.5);

    List<String> lines = ClassificationReport.format(m, List.of("cat", "dog", "emu")).lines().toList();

    assertThat(lines).noneMatch(line -> line.trim().startsWith("emu"));
    assertThat(lines).contains(
        "   macro avg     1.0000     1.0000     1.0000          2",
        "No row of class emu, and none predicted: left out above.");
  }
}
