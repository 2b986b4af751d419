package io.solstice.online.linear;

import io.solstice.arrow.ArrowBatch;
import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.RowEvaluation;
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
 * <p>Everything runs on float arrays in plain Java loops over the batch's columns, copied out of
 * the Arrow buffers once per batch into reused arrays: no ND4J call per row or per batch (ND4J
 * arrays appear only in {@link #state()}).
 *
 * <p>Follows the {@link Experiment} contract by updating in place and returning itself. Not
 * thread-safe: the engine drives it from its training thread.
 */
public final class OnlineLogisticRegression
    implements Experiment<OnlineLogisticRegression, ArrowBatch, ClassificationMetrics>,
        Checkpointable<OnlineLogisticRegression>,
        RowEvaluation<ArrowBatch, ClassificationMetrics>,
        Adaptable {

  /** Rows whose likelihoods are multiplied before one log of the product. */
  private static final int LOG_EVERY = 16;

  private final LinearCore core;
  private final LabeledRows input;
  /** The class predicted for each row of the batch being passed. */
  private int[] predicted = new int[0];
  /** The batch's cross-entropy so far, less the log of the likelihoods not yet taken. */
  private double loss;
  /** The product of the last rows' likelihoods (at most {@link #LOG_EVERY} of them). */
  private double likelihoods = 1;
  private int likelihoodsPending;
  /** 1 where the last train step's prediction of a row was wrong, 0 where it was right. */
  private double[] lastErrors = new double[0];
  /** The last row's predicted class, for {@link #predict} and {@link #learn}. */
  private int lastPrediction;
  private final LinearCore.Head batchHead = this::batchRow;
  private final LinearCore.Head oneRow = this::oneRow;
  /** The class of the row {@link #learn} is given (for {@link #predict}, unused). */
  private int oneLabel;

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
    this.input = new LabeledRows(options.featureColumn(), options.labelColumn(), features);
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
    oneLabel = 0;
    core.predictOne(x, oneRow);
    return lastPrediction;
  }

  /**
   * Predicts one row, then learns it (in per-batch mode, as a batch of one).
   *
   * @param x the features
   * @param label the class
   * @return the prediction made before learning
   */
  public int learn(float[] x, int label) {
    oneLabel = checkClass(label, 0);
    core.learnOne(x, oneRow);
    return lastPrediction;
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

  /**
   * Predicts every row with the model as it stands, without learning: the step's metrics and
   * each row's error (1 where the predicted class is wrong). What a prequential run evaluates
   * before the batch trains; {@link #trainStep}'s own per-row predictions ({@link
   * #lastRowErrors()}) come from a model that has learned every earlier row of the batch.
   */
  @Override
  public Rows<ClassificationMetrics> evaluateRows(ArrowBatch batch) {
    ClassificationMetrics metrics = pass(batch, false);
    double[] errors = new double[input.rows()];
    errorsInto(errors);
    return new Rows<>(metrics, errors);
  }

  private void errorsInto(double[] errors) {
    int[] actual = input.classes();
    for (int r = 0; r < errors.length; r++) {
      errors[r] = predicted[r] == actual[r] ? 0 : 1;
    }
  }

  private ClassificationMetrics pass(ArrowBatch batch, boolean train) {
    input.readClasses(batch);
    int n = input.rows();
    // Reused while batches keep their size: ClassificationMetrics.of keeps neither array.
    if (predicted.length != n) {
      predicted = new int[n];
    }
    int[] actual = input.classes();
    loss = 0;
    core.pass(input, train, batchHead);
    takeLog();
    if (train) {
      if (lastErrors.length != n) {
        lastErrors = new double[n];
      }
      errorsInto(lastErrors);
    }
    return ClassificationMetrics.of(predicted, actual, n == 0 ? 0 : loss / n, core.outputs);
  }

  private void batchRow(int r, double[] scores, double[] scoreGradient) {
    int label = checkClass(input.classes()[r], r);
    predicted[r] = softmaxRow(scores, label, scoreGradient);
    // One log per LOG_EVERY rows, of their likelihoods' product (each at least 1e-15, so the
    // product stays above 1e-240, a normal double): log is a quarter of a row's cost otherwise.
    likelihoods *= Math.max(scores[label], 1e-15);
    if (++likelihoodsPending == LOG_EVERY) {
      takeLog();
    }
  }

  private void takeLog() {
    loss -= Math.log(likelihoods);
    likelihoods = 1;
    likelihoodsPending = 0;
  }

  private void oneRow(int r, double[] scores, double[] scoreGradient) {
    lastPrediction = softmaxRow(scores, oneLabel, scoreGradient);
  }

  private int checkClass(int label, int r) {
    if (label < 0 || label >= core.outputs) {
      String column = core.options.labelColumn();
      throw new IllegalArgumentException(
          "row " + r + " of '" + column + "' is class " + label + ", outside [0, " + core.outputs + ")");
    }
    return label;
  }

  /**
   * Turns a row's scores into class probabilities in place, writes the cross-entropy gradient
   * {@code p - onehot(label)} and returns the arg-max class.
   */
  static int softmaxRow(double[] p, int label, double[] gradient) {
    return p.length == 2 ? binaryRow(p, label, gradient) : anyClassesRow(p, label, gradient);
  }

  /** {@link #softmaxRow} for any number of classes. */
  static int anyClassesRow(double[] p, int label, double[] gradient) {
    int classes = p.length;
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < classes; k++) {
      max = Math.max(max, p[k]);
    }
    double sum = 0;
    for (int k = 0; k < classes; k++) {
      // exp(0) is exactly 1: the largest score needs no call.
      p[k] = p[k] == max ? 1 : Math.exp(p[k] - max);
      sum += p[k];
    }
    int best = 0;
    for (int k = 0; k < classes; k++) {
      p[k] /= sum;
      if (p[k] > p[best]) {
        best = k;
      }
      gradient[k] = p[k] - (k == label ? 1 : 0);
    }
    return best;
  }

  /** {@link #anyClassesRow}'s arithmetic for two classes, unrolled: the same values, bit for bit. */
  static int binaryRow(double[] p, int label, double[] gradient) {
    double s0 = p[0];
    double s1 = p[1];
    boolean firstIsMax = s0 >= s1;
    double e = firstIsMax ? (s1 == s0 ? 1 : Math.exp(s1 - s0)) : Math.exp(s0 - s1);
    double sum = 1 + e;
    p[0] = (firstIsMax ? 1 : e) / sum;
    p[1] = (firstIsMax ? e : 1) / sum;
    gradient[0] = p[0] - (label == 0 ? 1 : 0);
    gradient[1] = p[1] - (label == 1 ? 1 : 0);
    return p[1] > p[0] ? 1 : 0;
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
