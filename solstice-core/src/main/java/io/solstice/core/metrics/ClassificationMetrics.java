package io.solstice.core.metrics;

import io.solstice.core.io.Json;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Single-label multi-class classification statistics: a confusion matrix, the loss sum and
 * the example count. Merging adds them, so metrics merged over steps or workers are exactly
 * the metrics of all the data at once (the loss up to floating-point rounding).
 *
 * <p>{@link #compute()} reports, in this order:
 *
 * <ul>
 *   <li>{@code accuracy}: top-1 accuracy, trace / N (the micro average of precision, recall and
 *       F1; the Python original's {@code mean((TP+TN)/N)} overstates it for more than two
 *       classes);
 *   <li>{@code loss}: the average loss per example; {@code count}: N;
 *   <li>{@code mcc}: the multi-class Matthews correlation coefficient (Gorodkin's R_K);
 *   <li>{@code precision_macro}, {@code recall_macro}, {@code f1_macro}: unweighted means over
 *       the classes that occur, as true classes or as predictions, as scikit-learn's {@code
 *       average="macro"} (whose labels are those of both): a class that occurs in neither has no
 *       value to average, so a test set without a rare class does not pull the mean down;
 *   <li>{@code precision_weighted}, {@code recall_weighted}, {@code f1_weighted}: means
 *       weighted by each class's support (its prevalence);
 *   <li>for each class k: {@code precision_k}, {@code recall_k}, {@code f1_k},
 *       {@code prevalence_k}, {@code support_k}.
 * </ul>
 *
 * <p>A ratio with a zero denominator (a class with no support or no predictions, or no data at
 * all) is 0, never NaN, as scikit-learn's {@code zero_division=0}.
 *
 * <p>A non-finite loss (a diverged model's NaN or infinity) is kept, not refused: the loss sum,
 * every merge that includes it and the computed {@code loss} are then non-finite, so that the
 * engine's non-finite policy sees it in the step's outputs and decides (fail, skip the batch or
 * stop), instead of the step failing before the policy can apply.
 *
 * <p>Thread safety: immutable and thread-safe; merge returns a new object.
 */
public final class ClassificationMetrics implements Metrics<ClassificationMetrics> {

  private final int numClasses;
  /** Row = true class, column = predicted class, row-major. */
  private final long[] confusion;
  private final double lossSum;
  private final long count;

  private ClassificationMetrics(int numClasses, long[] confusion, double lossSum, long count) {
    this.numClasses = numClasses;
    this.confusion = confusion;
    this.lossSum = lossSum;
    this.count = count;
  }

  /**
   * Metrics of one batch of class-index predictions.
   *
   * @param predictions predicted class per example, each in {@code [0, numClasses)}
   * @param targets true class per example, each in {@code [0, numClasses)}
   * @param meanLoss the batch's average loss per example (use 0 when there is none); NaN or an
   *     infinity is kept (see the class comment), except for a batch of no rows, whose loss sum is
   *     0 whatever its mean
   * @param numClasses the number of classes, at least 1
   * @return the metrics
   * @throws IllegalArgumentException naming the first offending index and value when a class is
   *     out of range, or when the lengths differ
   */
  public static ClassificationMetrics of(
      int[] predictions, int[] targets, double meanLoss, int numClasses) {
    checkClassCount(numClasses);
    if (predictions.length != targets.length) {
      throw new IllegalArgumentException(
          "predictions and targets differ in length: " + predictions.length + " vs " + targets.length);
    }
    long[] confusion = new long[numClasses * numClasses];
    for (int i = 0; i < predictions.length; i++) {
      int predicted = checkClass("prediction", i, predictions[i], numClasses);
      int actual = checkClass("target", i, targets[i], numClasses);
      confusion[actual * numClasses + predicted]++;
    }
    // No rows have no loss: a mean over none (0/0 = NaN in many callers) must not make one.
    double lossSum = predictions.length == 0 ? 0 : meanLoss * predictions.length;
    return new ClassificationMetrics(numClasses, confusion, lossSum, predictions.length);
  }

  /**
   * Metrics of one batch of scores (logits or probabilities): the prediction is the arg-max of
   * each row.
   *
   * @param scores an array [N, numClasses]
   * @param targets class indices [N] (or [N, 1]), or one-hot rows [N, numClasses]
   * @param meanLoss the batch's average loss per example (non-finite kept, as in {@link #of})
   * @return the metrics
   */
  public static ClassificationMetrics fromScores(INDArray scores, INDArray targets, double meanLoss) {
    if (scores.rank() != 2) {
      throw new IllegalArgumentException(
          "scores must be [N, numClasses], was " + Arrays.toString(scores.shape()));
    }
    int numClasses = (int) scores.size(1);
    int[] predicted = scores.argMax(1).toIntVector();
    int[] actual;
    if (targets.rank() == 2 && targets.size(1) == numClasses && numClasses > 1) {
      actual = targets.argMax(1).toIntVector();
    } else if (targets.length() == scores.size(0)) {
      actual = labelsOf(targets);
    } else {
      throw new IllegalArgumentException(
          "targets " + Arrays.toString(targets.shape()) + " match neither [N] nor [N, "
              + numClasses + "] for scores " + Arrays.toString(scores.shape()));
    }
    return of(predicted, actual, meanLoss, numClasses);
  }

  /** The sums {@link MetricsState} saves, by name: the confusion matrix row after row. */
  Map<String, Object> sums() {
    Map<String, Object> sums = new LinkedHashMap<>();
    sums.put("classes", numClasses);
    sums.put("confusion", Arrays.stream(confusion).boxed().toList());
    sums.put("lossSum", lossSum);
    sums.put("count", count);
    return sums;
  }

  /** Metrics from the sums {@link #sums} gave, checked as far as they can be. */
  @SuppressWarnings("unchecked")
  static ClassificationMetrics restored(Map<String, Object> sums) {
    int classes = Math.toIntExact(Json.toLong(sums.get("classes")));
    checkClassCount(classes);
    long[] confusion = MetricsState.longs((List<Object>) sums.get("confusion"));
    long count = Json.toLong(sums.get("count"));
    if (confusion.length != classes * classes) {
      throw new IllegalArgumentException("a confusion matrix of " + classes + " classes has "
          + classes * classes + " entries, not " + confusion.length);
    }
    if (count < 0 || Arrays.stream(confusion).anyMatch(n -> n < 0)
        || Arrays.stream(confusion).sum() != count) {
      throw new IllegalArgumentException(
          "the confusion matrix's entries must be >= 0 and sum to the count " + count);
    }
    return new ClassificationMetrics(classes, confusion, Json.toDouble(sums.get("lossSum")), count);
  }

  /**
   * The metrics over no data for that class count.
   *
   * @param numClasses the number of classes
   * @return the identity of {@link #merge}
   */
  public static ClassificationMetrics empty(int numClasses) {
    checkClassCount(numClasses);
    return new ClassificationMetrics(numClasses, new long[numClasses * numClasses], 0, 0);
  }

  @Override
  public ClassificationMetrics empty() {
    return empty(numClasses);
  }

  @Override
  public ClassificationMetrics merge(ClassificationMetrics other) {
    if (other.numClasses != numClasses) {
      throw new IllegalArgumentException(
          "cannot merge metrics of " + numClasses + " classes with metrics of "
              + other.numClasses + " classes");
    }
    long[] sum = confusion.clone();
    for (int i = 0; i < sum.length; i++) {
      sum[i] += other.confusion[i];
    }
    return new ClassificationMetrics(numClasses, sum, lossSum + other.lossSum, count + other.count);
  }

  /**
   * The number of classes.
   *
   * @return K
   */
  public int numClasses() {
    return numClasses;
  }

  /**
   * The number of examples seen.
   *
   * @return N
   */
  public long count() {
    return count;
  }

  /**
   * The sum of the per-example losses.
   *
   * @return the loss sum; NaN or an infinity when a merged batch's loss was not finite
   */
  public double lossSum() {
    return lossSum;
  }

  /**
   * The confusion matrix: entry [t][p] counts examples of true class t predicted as p.
   *
   * @return a fresh copy
   */
  public long[][] confusionMatrix() {
    long[][] matrix = new long[numClasses][];
    for (int t = 0; t < numClasses; t++) {
      matrix[t] = Arrays.copyOfRange(confusion, t * numClasses, (t + 1) * numClasses);
    }
    return matrix;
  }

  /**
   * Whether a class occurs in what was measured, as a true class or as a prediction: the classes
   * that the macro averages take (see the class comment).
   *
   * @param classIndex the class, in {@code [0, numClasses)}
   * @return false when no example has it as its label or as its prediction
   */
  public boolean occurs(int classIndex) {
    for (int other = 0; other < numClasses; other++) {
      if (confusion[classIndex * numClasses + other] > 0 || confusion[other * numClasses + classIndex] > 0) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Map<String, Double> compute() {
    long[] truePositives = new long[numClasses];
    long[] support = new long[numClasses];
    long[] predictedCount = new long[numClasses];
    long correct = 0;
    for (int t = 0; t < numClasses; t++) {
      for (int p = 0; p < numClasses; p++) {
        long cell = confusion[t * numClasses + p];
        support[t] += cell;
        predictedCount[p] += cell;
      }
      truePositives[t] = confusion[t * numClasses + t];
      correct += truePositives[t];
    }
    double[] precision = new double[numClasses];
    double[] recall = new double[numClasses];
    double[] f1 = new double[numClasses];
    for (int k = 0; k < numClasses; k++) {
      precision[k] = ratio(truePositives[k], predictedCount[k]);
      recall[k] = ratio(truePositives[k], support[k]);
      // 2TP / (2TP + FP + FN): equal to 2PR/(P+R) where both are defined, 0 where neither is.
      f1[k] = ratio(2 * truePositives[k], support[k] + predictedCount[k]);
    }

    Map<String, Double> values = new LinkedHashMap<>();
    values.put("accuracy", ratio(correct, count));
    values.put("loss", count == 0 ? 0 : lossSum / count);
    values.put("count", (double) count);
    values.put("mcc", matthews(correct, support, predictedCount));
    boolean[] occurs = new boolean[numClasses];
    for (int k = 0; k < numClasses; k++) {
      occurs[k] = occurs(k);
    }
    values.put("precision_macro", mean(precision, occurs));
    values.put("recall_macro", mean(recall, occurs));
    values.put("f1_macro", mean(f1, occurs));
    values.put("precision_weighted", weightedMean(precision, support));
    values.put("recall_weighted", weightedMean(recall, support));
    values.put("f1_weighted", weightedMean(f1, support));
    for (int k = 0; k < numClasses; k++) {
      values.put("precision_" + k, precision[k]);
      values.put("recall_" + k, recall[k]);
      values.put("f1_" + k, f1[k]);
      values.put("prevalence_" + k, ratio(support[k], count));
      values.put("support_" + k, (double) support[k]);
    }
    return Collections.unmodifiableMap(values);
  }

  /** Gorodkin's multi-class MCC; 0 where the denominator vanishes (one class only). */
  private double matthews(long correct, long[] support, long[] predictedCount) {
    double n = count;
    double sumPredTrue = 0;
    double sumPredSquared = 0;
    double sumTrueSquared = 0;
    for (int k = 0; k < numClasses; k++) {
      sumPredTrue += (double) predictedCount[k] * support[k];
      sumPredSquared += (double) predictedCount[k] * predictedCount[k];
      sumTrueSquared += (double) support[k] * support[k];
    }
    double numerator = correct * n - sumPredTrue;
    double denominator = Math.sqrt((n * n - sumPredSquared) * (n * n - sumTrueSquared));
    return denominator == 0 ? 0 : numerator / denominator;
  }

  private double weightedMean(double[] values, long[] support) {
    if (count == 0) {
      return 0;
    }
    double sum = 0;
    for (int k = 0; k < numClasses; k++) {
      sum += values[k] * support[k];
    }
    return sum / count;
  }

  private static double mean(double[] values, boolean[] included) {
    double sum = 0;
    int n = 0;
    for (int k = 0; k < values.length; k++) {
      if (included[k]) {
        sum += values[k];
        n++;
      }
    }
    return n == 0 ? 0 : sum / n;
  }

  private static double ratio(long numerator, long denominator) {
    return denominator == 0 ? 0 : (double) numerator / denominator;
  }

  private static int[] labelsOf(INDArray targets) {
    double[] values = targets.toDoubleVector();
    int[] labels = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      if (values[i] != Math.rint(values[i])) {
        throw new IllegalArgumentException(
            "target at index " + i + " is " + values[i] + ", not a class index");
      }
      labels[i] = (int) values[i];
    }
    return labels;
  }

  private static int checkClass(String what, int index, int value, int numClasses) {
    if (value < 0 || value >= numClasses) {
      throw new IllegalArgumentException(
          what + " at index " + index + " is " + value + ", outside [0, " + numClasses + ")");
    }
    return value;
  }

  private static void checkClassCount(int numClasses) {
    if (numClasses < 1) {
      throw new IllegalArgumentException("numClasses must be at least 1, was " + numClasses);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClassificationMetrics other
        && numClasses == other.numClasses
        && count == other.count
        && Double.compare(lossSum, other.lossSum) == 0
        && Arrays.equals(confusion, other.confusion);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(confusion) + Long.hashCode(count);
  }

  @Override
  public String toString() {
    return "ClassificationMetrics{classes=" + numClasses + ", count=" + count
        + ", accuracy=" + ratio(trace(), count) + ", loss=" + (count == 0 ? 0 : lossSum / count) + "}";
  }

  private long trace() {
    long sum = 0;
    for (int k = 0; k < numClasses; k++) {
      sum += confusion[k * numClasses + k];
    }
    return sum;
  }
}
