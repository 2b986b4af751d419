package io.solstice.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class ClassificationMetricsTest {

  // A hand-worked 3-class example. Confusion matrix (row = true, column = predicted):
  //   true 0: [2, 1, 1]   support 4
  //   true 1: [1, 2, 0]   support 3
  //   true 2: [0, 1, 2]   support 3
  //   predicted counts: [3, 4, 3]
  private static final int[] TARGETS = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
  private static final int[] PREDICTIONS = {0, 0, 1, 2, 1, 1, 0, 2, 2, 1};

  @Test
  void computesEveryKeyOfAHandWorkedThreeClassExample() {
    Map<String, Double> values = ClassificationMetrics.of(PREDICTIONS, TARGETS, 0.5, 3).compute();

    Map<String, Double> expected = new LinkedHashMap<>();
    expected.put("accuracy", 6 / 10.0);
    expected.put("loss", 0.5);
    expected.put("count", 10.0);
    // Gorodkin: (c*s - sum p_k t_k) / sqrt((s^2 - sum p_k^2)(s^2 - sum t_k^2)) = (60-33)/66
    expected.put("mcc", 27 / 66.0);
    expected.put("precision_macro", (2 / 3.0 + 2 / 4.0 + 2 / 3.0) / 3);
    expected.put("recall_macro", (2 / 4.0 + 2 / 3.0 + 2 / 3.0) / 3);
    expected.put("f1_macro", (4 / 7.0 + 4 / 7.0 + 4 / 6.0) / 3);
    expected.put("precision_weighted", (4 * 2 / 3.0 + 3 * 2 / 4.0 + 3 * 2 / 3.0) / 10);
    expected.put("recall_weighted", 0.6);
    expected.put("f1_weighted", (4 * 4 / 7.0 + 3 * 4 / 7.0 + 3 * 4 / 6.0) / 10);
    putClass(expected, 0, 2 / 3.0, 2 / 4.0, 4 / 7.0, 0.4, 4);
    putClass(expected, 1, 2 / 4.0, 2 / 3.0, 4 / 7.0, 0.3, 3);
    putClass(expected, 2, 2 / 3.0, 2 / 3.0, 4 / 6.0, 0.3, 3);

    assertThat(values.keySet()).containsExactlyElementsOf(expected.keySet());
    expected.forEach((key, value) -> assertThat(values.get(key)).as(key).isCloseTo(value, within(1e-12)));
  }

  @Test
  void exposesTheConfusionMatrixWithTrueClassesAsRows() {
    ClassificationMetrics metrics = ClassificationMetrics.of(PREDICTIONS, TARGETS, 0, 3);

    assertThat(metrics.confusionMatrix())
        .isDeepEqualTo(new long[][] {{2, 1, 1}, {1, 2, 0}, {0, 1, 2}});
  }

  @Test
  void accuracyIsTraceOverCountNotTheMeanOfPerClassBinaryAccuracies() {
    // Three classes, all wrong: the original's mean((TP+TN)/N) would report 1/3.
    ClassificationMetrics metrics = ClassificationMetrics.of(new int[] {1, 2, 0}, new int[] {0, 1, 2}, 0, 3);

    assertThat(metrics.compute().get("accuracy")).isZero();
  }

  @Test
  void reportsZeroNotNanForClassesWithoutSupportOrPredictionsAndForNoData() {
    Map<String, Double> values = ClassificationMetrics.of(new int[] {0, 0}, new int[] {0, 1}, 1.0, 3).compute();

    assertThat(values.values()).allSatisfy(v -> assertThat(v).isNotNaN());
    assertThat(values.get("precision_2")).isZero();
    assertThat(values.get("recall_2")).isZero();
    assertThat(values.get("f1_2")).isZero();
    assertThat(values.get("precision_1")).isZero();
    assertThat(ClassificationMetrics.empty(4).compute().values()).containsOnly(0.0);
  }

  @Test
  void macroAveragesLeaveOutAClassThatIsNeitherALabelNorAPrediction() {
    // Class 1 has no support but is predicted once (precision 0, counted); class 3 occurs nowhere.
    ClassificationMetrics metrics = ClassificationMetrics.of(
        new int[] {0, 0, 1, 2, 2}, new int[] {0, 0, 2, 2, 2}, 0.0, 4);
    Map<String, Double> values = metrics.compute();

    // precision 1, 0, 1; recall 1, 0, 2/3; F1 1, 0, 4/5 over classes 0-2 only.
    assertThat(values.get("precision_macro")).isCloseTo(2 / 3.0, within(1e-12));
    assertThat(values.get("recall_macro")).isCloseTo((1 + 2 / 3.0) / 3, within(1e-12));
    assertThat(values.get("f1_macro")).isCloseTo((1 + 4 / 5.0) / 3, within(1e-12));
    assertThat(metrics.occurs(1)).isTrue();
    assertThat(metrics.occurs(3)).isFalse();
    // Its own values stay defined as 0, and the weighted means never counted it.
    assertThat(values.get("f1_3")).isZero();
    assertThat(values.get("recall_weighted")).isCloseTo(0.8, within(1e-12));
  }

  @Test
  void mccIsOneForPerfectPredictionsAndMinusOneForSwappedBinaryLabels() {
    int[] labels = {0, 1, 1, 0, 1};
    int[] swapped = {1, 0, 0, 1, 0};

    assertThat(ClassificationMetrics.of(labels, labels, 0, 2).compute().get("mcc")).isEqualTo(1.0);
    assertThat(ClassificationMetrics.of(swapped, labels, 0, 2).compute().get("mcc")).isEqualTo(-1.0);
  }

  @Test
  void mergingAddsConfusionLossAndCount() {
    ClassificationMetrics first = ClassificationMetrics.of(new int[] {0, 1}, new int[] {0, 0}, 1.0, 2);
    ClassificationMetrics second = ClassificationMetrics.of(new int[] {1}, new int[] {1}, 4.0, 2);

    ClassificationMetrics merged = first.merge(second);

    assertThat(merged.count()).isEqualTo(3);
    assertThat(merged.lossSum()).isEqualTo(6.0);
    assertThat(merged.compute().get("loss")).isEqualTo(2.0);
    assertThat(merged.confusionMatrix()).isDeepEqualTo(new long[][] {{1, 1}, {0, 1}});
  }

  @Test
  void fromScoresTakesTheArgMaxAndAcceptsIndexOrOneHotTargets() {
    var scores = Nd4j.createFromArray(new float[][] {{0.1f, 0.9f}, {0.8f, 0.2f}, {0.3f, 0.7f}});
    var indices = Nd4j.createFromArray(1, 0, 0);
    var oneHot = Nd4j.createFromArray(new float[][] {{0, 1}, {1, 0}, {1, 0}});

    ClassificationMetrics fromIndices = ClassificationMetrics.fromScores(scores, indices, 0.25);
    ClassificationMetrics fromOneHot = ClassificationMetrics.fromScores(scores, oneHot, 0.25);

    assertThat(fromIndices).isEqualTo(fromOneHot);
    assertThat(fromIndices.compute().get("accuracy")).isCloseTo(2 / 3.0, within(1e-12));
  }

  @Test
  void rejectsClassesOutOfRangeNamingIndexAndValue() {
    assertThatThrownBy(() -> ClassificationMetrics.of(new int[] {0, 3}, new int[] {0, 1}, 0, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("prediction at index 1 is 3, outside [0, 3)");
    assertThatThrownBy(() -> ClassificationMetrics.of(new int[] {0, 1}, new int[] {-1, 1}, 0, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("target at index 0 is -1, outside [0, 3)");
  }

  @Test
  void rejectsMismatchedLengthsAndBadClassCounts() {
    assertThatThrownBy(() -> ClassificationMetrics.of(new int[] {0}, new int[] {0, 1}, 0, 2))
        .hasMessageContaining("differ in length: 1 vs 2");
    assertThatThrownBy(() -> ClassificationMetrics.empty(0)).hasMessageContaining("at least 1");
  }

  @Test
  void keepsANonFiniteLossThroughMergeAndComputeSoThatTheEnginesPolicySeesIt() {
    ClassificationMetrics finite = ClassificationMetrics.of(new int[] {0, 1}, new int[] {0, 0}, 0.5, 2);
    ClassificationMetrics nan = ClassificationMetrics.of(new int[] {0}, new int[] {0}, Double.NaN, 2);
    ClassificationMetrics infinite =
        ClassificationMetrics.of(new int[] {1}, new int[] {1}, Double.POSITIVE_INFINITY, 2);

    assertThat(nan.lossSum()).isNaN();
    assertThat(nan.compute().get("loss")).isNaN();
    assertThat(finite.merge(nan).lossSum()).isNaN();
    assertThat(finite.merge(nan).compute().get("loss")).isNaN();
    assertThat(finite.merge(infinite).lossSum()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(infinite.merge(finite).compute().get("loss")).isEqualTo(Double.POSITIVE_INFINITY);
    // The counts stay exact: only the loss is non-finite.
    assertThat(finite.merge(nan).merge(infinite).compute())
        .containsEntry("count", 4.0).containsEntry("accuracy", 3 / 4.0);
    assertThat(nan).isEqualTo(ClassificationMetrics.of(new int[] {0}, new int[] {0}, Double.NaN, 2));
  }

  @Test
  void aBatchOfNoRowsHasNoLossWhateverItsMean() {
    // 0/0 is what a mean over no rows often is; it must not poison the merge.
    ClassificationMetrics none = ClassificationMetrics.of(new int[0], new int[0], Double.NaN, 2);

    assertThat(none).isEqualTo(ClassificationMetrics.empty(2));
    assertThat(none.lossSum()).isZero();
  }

  @Test
  void rejectsMergingMetricsOfDifferentClassCounts() {
    assertThatThrownBy(() -> ClassificationMetrics.empty(3).merge(ClassificationMetrics.empty(4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot merge metrics of 3 classes with metrics of 4 classes");
  }

  @Test
  void rejectsTargetsThatAreNotClassIndices() {
    var scores = Nd4j.createFromArray(new float[][] {{0.1f, 0.9f}});
    assertThatThrownBy(() -> ClassificationMetrics.fromScores(scores, Nd4j.createFromArray(0.5f), 0))
        .hasMessageContaining("target at index 0 is 0.5, not a class index");
  }

  private static void putClass(
      Map<String, Double> map, int k, double precision, double recall, double f1,
      double prevalence, double support) {
    map.put("precision_" + k, precision);
    map.put("recall_" + k, recall);
    map.put("f1_" + k, f1);
    map.put("prevalence_" + k, prevalence);
    map.put("support_" + k, support);
  }
}
