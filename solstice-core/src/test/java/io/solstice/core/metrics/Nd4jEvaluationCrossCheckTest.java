package io.solstice.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.evaluation.EvaluationAveraging;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Cross-checks {@link ClassificationMetrics} against ND4J's own {@link Evaluation}.
 *
 * <p>Where both define a value the numbers agree. The definitions differ in two places, each
 * pinned by a test below:
 *
 * <ul>
 *   <li>ND4J's macro averages skip a class whose value is undefined (for precision: a class
 *       never predicted), while Solstice, like scikit-learn, counts it as 0 in the mean;
 *   <li>ND4J's {@code matthewsCorrelation(Macro)} averages one-vs-rest binary MCCs, while
 *       Solstice reports the multi-class MCC (Gorodkin's R_K); for two classes the two agree;
 *   <li>for two classes ND4J's {@code f1(Macro)} is the binary F1 of class 1, which Solstice
 *       reports as {@code f1_1}; {@code f1_macro} is the mean over both classes.
 * </ul>
 */
class Nd4jEvaluationCrossCheckTest {

  @ParameterizedTest(name = "K = {0}")
  @ValueSource(ints = {2, 3, 10})
  void agreesWithNd4jEvaluationOnRandomPredictions(int numClasses) {
    Random random = new Random(1234 + numClasses);
    int n = 2000;
    int[] targets = new int[n];
    int[] predictions = new int[n];
    for (int i = 0; i < n; i++) {
      targets[i] = random.nextInt(numClasses);
      // Right 60% of the time, otherwise a random class: every class is predicted and present.
      predictions[i] = random.nextDouble() < 0.6 ? targets[i] : random.nextInt(numClasses);
    }

    Map<String, Double> ours = ClassificationMetrics.of(predictions, targets, 0, numClasses).compute();
    Evaluation theirs = new Evaluation(numClasses);
    theirs.eval(oneHot(targets, numClasses), oneHot(predictions, numClasses));

    assertThat(ours.get("accuracy")).isCloseTo(theirs.accuracy(), within(1e-12));
    assertThat(ours.get("precision_macro"))
        .isCloseTo(theirs.precision(EvaluationAveraging.Macro), within(1e-9));
    assertThat(ours.get("recall_macro")).isCloseTo(theirs.recall(EvaluationAveraging.Macro), within(1e-9));
    // For two classes ND4J's f1(Macro) is the binary F1 of class 1, the "positive" class.
    String f1Key = numClasses == 2 ? "f1_1" : "f1_macro";
    assertThat(ours.get(f1Key)).isCloseTo(theirs.f1(EvaluationAveraging.Macro), within(1e-9));
    for (int k = 0; k < numClasses; k++) {
      assertThat(ours.get("precision_" + k)).as("precision_" + k).isCloseTo(theirs.precision(k), within(1e-9));
      assertThat(ours.get("recall_" + k)).as("recall_" + k).isCloseTo(theirs.recall(k), within(1e-9));
      assertThat(ours.get("f1_" + k)).as("f1_" + k).isCloseTo(theirs.f1(k), within(1e-9));
    }
    if (numClasses == 2) {
      assertThat(ours.get("mcc")).isCloseTo(theirs.matthewsCorrelation(1), within(1e-9));
    }
  }

  @Test
  void macroPrecisionDiffersWhereAClassIsNeverPredicted() {
    int[] targets = {0, 1, 2, 2};
    int[] predictions = {0, 1, 1, 1}; // class 2 is never predicted: its precision is undefined

    Map<String, Double> ours = ClassificationMetrics.of(predictions, targets, 0, 3).compute();
    Evaluation theirs = new Evaluation(3);
    theirs.eval(oneHot(targets, 3), oneHot(predictions, 3));

    // Solstice counts the undefined precision as 0: (1 + 1/3 + 0) / 3.
    assertThat(ours.get("precision_macro")).isCloseTo((1 + 1 / 3.0) / 3, within(1e-12));
    // ND4J leaves class 2 out of the mean: (1 + 1/3) / 2.
    assertThat(theirs.precision(EvaluationAveraging.Macro)).isCloseTo((1 + 1 / 3.0) / 2, within(1e-12));
  }

  private static INDArray oneHot(int[] classes, int numClasses) {
    float[][] rows = new float[classes.length][numClasses];
    for (int i = 0; i < classes.length; i++) {
      rows[i][classes[i]] = 1;
    }
    return Nd4j.createFromArray(rows);
  }
}
