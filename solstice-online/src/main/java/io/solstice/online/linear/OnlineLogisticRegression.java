package io.solstice.online.linear;

import io.solstice.arrow.ArrowBatch;
import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.Step;
import io.solstice.core.metrics.ClassificationMetrics;

/**
 * Online multinomial logistic regression (softmax over {@code K} classes; for two classes it is
 * the ordinary logistic regression, with two score rows) on Arrow batches, trained by SGD,
 * AdaGrad or Adam on the cross-entropy, per row or per batch ({@link LinearOptions}).
 *
 * <p>{@link #trainStep} is test-then-train: each row is predicted before the model learns it (per
 * row: by the model that has learned every earlier row), and the step's {@link
 * ClassificationMetrics} are those predictions', so the engine's prequential metrics are per-row
 * prequential. {@link #learn} does the same for one row and returns the prediction, which gives a
 * per-row error stream for a drift detector.
 *
 * <p>Everything runs on float arrays in plain Java loops, reading the Arrow buffers directly: no
 * ND4J call per row or per batch (ND4J arrays appear only in {@link #state()}).
 *
 * <p>Follows the {@link Experiment} contract by updating in place and returning itself. Not
 * thread-safe: the engine drives it from its training thread.
 */
public final class OnlineLogisticRegression
    implements Experiment<OnlineLogisticRegression, ArrowBatch, ClassificationMetrics>,
        Checkpointable<OnlineLogisticRegression>,
        Adaptable {

  private final LinearCore core;
  private final float[] row;
  private final double[] probabilities;
  /** 1 where the last train step's prediction of a row was wrong, 0 where it was right. */
  private double[] lastErrors = new double[0];

  /**
   * A model with all weights zero.
   *
   * @param features values per row
   * @param classes the number of classes, at least 2
   * @param options how it learns
   */
  public OnlineLogisticRegression(int features, int classes, LinearOptions options) {
    if (classes < 2) {
      throw new IllegalArgumentException("need at least 2 classes, was " + classes);
    }
    this.core = new LinearCore(classes, features, options);
    this.row = new float[features];
    this.probabilities = new double[classes];
  }

  /**
   * The number of rows learned.
   *
   * @return the count
   */
  public long rowsLearned() {
    return core.rows;
  }

  /**
   * The class the model predicts for a row.
   *
   * @param x the features
   * @return the arg-max class
   */
  public int predict(float[] x) {
    probabilities(x);
    return argMax();
  }

  /**
   * Predicts one row, then learns it (in per-batch mode, as a batch of one).
   *
   * @param x the features
   * @param label the class
   * @return the prediction made before learning
   */
  public int learn(float[] x, int label) {
    int predicted = learnRow(x, label);
    core.apply();
    return predicted;
  }

  /** Zero weights and a fresh updater; the row count stays, as it counts the stream. */
  @Override
  public void forget() {
    core.reset();
  }

  @Override
  public void boostLearningRate(double factor, long updates) {
    core.boost(factor, updates);
  }

  /**
   * The per-row errors of the last {@link #trainStep}, in row order: 1 where the prediction made
   * before learning the row was wrong, 0 where it was right. This is the row-level error stream
   * a drift detector watches ({@code DriftReaction.rowErrors()}).
   *
   * @return a copy of the errors
   */
  public double[] lastRowErrors() {
    return lastErrors.clone();
  }

  @Override
  public Step<OnlineLogisticRegression, ClassificationMetrics> trainStep(ArrowBatch batch) {
    return Step.of(this, pass(batch, true));
  }

  @Override
  public Step<OnlineLogisticRegression, ClassificationMetrics> evalStep(ArrowBatch batch) {
    return Step.of(this, pass(batch, false));
  }

  private ClassificationMetrics pass(ArrowBatch batch, boolean train) {
    String labelColumn = core.options.labelColumn();
    LabeledRows rows = new LabeledRows(batch, core.options.featureColumn(), labelColumn, core.features);
    int n = rows.rows();
    int[] predicted = new int[n];
    int[] actual = new int[n];
    double loss = 0;
    for (int r = 0; r < n; r++) {
      rows.features(r, row);
      int label = rows.classLabel(r, labelColumn);
      if (label < 0 || label >= core.outputs) {
        throw new IllegalArgumentException(
            "row " + r + " of '" + labelColumn + "' is class " + label + ", outside [0, " + core.outputs + ")");
      }
      actual[r] = label;
      if (train) {
        predicted[r] = learnRow(row, label);
      } else {
        probabilities(row);
        predicted[r] = argMax();
      }
      loss -= Math.log(Math.max(probabilities[label], 1e-15));
    }
    if (train) {
      core.apply();
      lastErrors = new double[n];
      for (int r = 0; r < n; r++) {
        lastErrors[r] = predicted[r] == actual[r] ? 0 : 1;
      }
    }
    return ClassificationMetrics.of(predicted, actual, n == 0 ? 0 : loss / n, core.outputs);
  }

  /** Predicts, accumulates the cross-entropy gradient {@code p - onehot(y)} and ends the row. */
  private int learnRow(float[] x, int label) {
    probabilities(x);
    int predicted = argMax();
    for (int k = 0; k < core.outputs; k++) {
      core.accumulate(k, x, probabilities[k] - (k == label ? 1 : 0));
    }
    core.endRow();
    return predicted;
  }

  private void probabilities(float[] x) {
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < core.outputs; k++) {
      probabilities[k] = core.score(k, x);
      max = Math.max(max, probabilities[k]);
    }
    double sum = 0;
    for (int k = 0; k < core.outputs; k++) {
      probabilities[k] = Math.exp(probabilities[k] - max);
      sum += probabilities[k];
    }
    for (int k = 0; k < core.outputs; k++) {
      probabilities[k] /= sum;
    }
  }

  private int argMax() {
    int best = 0;
    for (int k = 1; k < core.outputs; k++) {
      if (probabilities[k] > probabilities[best]) {
        best = k;
      }
    }
    return best;
  }

  /** Weights {@code W} [classes, features] and biases {@code b} as FLOAT, the updater's state, counters. */
  @Override
  public NamedArrays state() {
    return core.state();
  }

  @Override
  public OnlineLogisticRegression withState(NamedArrays state) {
    OnlineLogisticRegression model = new OnlineLogisticRegression(core.features, core.outputs, core.options);
    model.core.load(state);
    return model;
  }
}
