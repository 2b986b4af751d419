package io.solstice.examples.job;

import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.examples.report.ClassificationReport;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Classification with an {@link MlpClassifier}: early stopping on the validation loss (the
 * mean cross-entropy, class-weighted when weights are given), a per-class report like
 * scikit-learn's {@code classification_report}.
 *
 * @param label the label column
 * @param classNames the class names by class index
 * @param classWeights the weight of each class in the loss, or null for none
 */
public record ClassificationTask(String label, List<String> classNames, double[] classWeights)
    implements ModelTask<MlpClassifier, ClassificationMetrics> {

  /**
   * Validates the fields.
   *
   * @param label see the record
   * @param classNames see the record
   * @param classWeights see the record
   */
  public ClassificationTask {
    classNames = List.copyOf(classNames);
    classWeights = classWeights == null ? null : classWeights.clone();
    if (classNames.size() < 2) {
      throw new IllegalArgumentException("a classifier needs at least two classes, got " + classNames);
    }
  }

  @Override
  public MlpClassifier newModel(int inputs, int[] hidden, double learningRate, double weightDecay, long seed) {
    MlpClassifier.Builder builder = MlpClassifier.builder().inputs(inputs).hidden(hidden).classes(classNames.size())
        .updater(new Adam(learningRate)).weightDecay(weightDecay).seed(seed);
    if (classWeights != null) {
      builder.classWeights(classWeights);
    }
    return builder.build();
  }

  @Override
  public String monitor() {
    return "loss";
  }

  @Override
  public List<String> headline() {
    return List.of("loss", "accuracy", "f1_macro");
  }

  @Override
  public String title() {
    return "Classification";
  }

  @Override
  public String report(ClassificationMetrics test) {
    return ClassificationReport.format(test, classNames);
  }

  @Override
  public long rows(ClassificationMetrics metrics) {
    return metrics.count();
  }

  /** The confusion matrix: row t, column p counts the test rows of class t predicted as p. */
  @Override
  public Map<String, Object> details(ClassificationMetrics test) {
    return Map.of("confusion_matrix", test.confusionMatrix());
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("task", "classification");
    out.put("classes", classNames);
    if (classWeights != null) {
      out.put("class_weights", Arrays.stream(classWeights).boxed().toList());
    }
    return out;
  }
}
