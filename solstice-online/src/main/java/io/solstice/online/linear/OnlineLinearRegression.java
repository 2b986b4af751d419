package io.solstice.online.linear;

import io.solstice.arrow.ArrowBatch;
import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.RowEvaluation;
import io.solstice.core.Step;
import io.solstice.core.metrics.RegressionMetrics;

/**
 * Online linear regression on Arrow batches, trained by SGD, AdaGrad or Adam on the squared error
 * {@code (y' - y)^2 / 2}, per row or per batch ({@link LinearOptions}). The target column may be
 * Float32, Float64 or Int32.
 *
 * <p>{@link #trainStep} is test-then-train as for {@link OnlineLogisticRegression}: its
 * {@link RegressionMetrics} are those of the predictions made before learning each row. Plain
 * Java loops on float arrays; in place, returning itself. Not thread-safe.
 */
public final class OnlineLinearRegression
    implements Experiment<OnlineLinearRegression, ArrowBatch, RegressionMetrics>,
        Checkpointable<OnlineLinearRegression>,
        RowEvaluation<ArrowBatch, RegressionMetrics>,
        Adaptable {

  private final LinearCore core;
  private final LabeledRows input;
  /** The prediction for each row of the batch being passed. */
  private double[] predicted = new double[0];
  private final LinearCore.Head batchHead = this::batchRow;
  private final LinearCore.Head oneRow = this::oneRow;
  /** The target of the row {@link #learn} is given (for {@link #predict}, unused). */
  private double oneTarget;
  /** The last single row's prediction, for {@link #predict} and {@link #learn}. */
  private double lastPrediction;

  /**
   * A model with all weights zero.
   *
   * @param features values per row
   * @param options how it learns
   */
  public OnlineLinearRegression(int features, LinearOptions options) {
    this.core = new LinearCore(1, features, options);
    this.input = new LabeledRows(options.featureColumn(), options.labelColumn(), features);
  }

  /**
   * The prediction for a row.
   *
   * @param x the features
   * @return {@code w . x + b}
   */
  public double predict(float[] x) {
    oneTarget = 0;
    core.predictOne(x, oneRow);
    return lastPrediction;
  }

  /**
   * Predicts one row, then learns it (in per-batch mode, as a batch of one).
   *
   * @param x the features
   * @param target the target
   * @return the prediction made before learning
   */
  public double learn(float[] x, double target) {
    oneTarget = target;
    core.learnOne(x, oneRow);
    return lastPrediction;
  }

  /**
   * The number of rows learned.
   *
   * @return the count
   */
  public long rowsLearned() {
    return core.rows;
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

  @Override
  public Step<OnlineLinearRegression, RegressionMetrics> trainStep(ArrowBatch batch) {
    return Step.of(this, pass(batch, true));
  }

  @Override
  public Step<OnlineLinearRegression, RegressionMetrics> evalStep(ArrowBatch batch) {
    return Step.of(this, pass(batch, false));
  }

  /** Predicts every row without learning: the step's metrics and each row's squared error. */
  @Override
  public Rows<RegressionMetrics> evaluateRows(ArrowBatch batch) {
    RegressionMetrics metrics = pass(batch, false);
    double[] targets = input.targets();
    double[] errors = new double[input.rows()];
    for (int r = 0; r < errors.length; r++) {
      double error = predicted[r] - targets[r];
      errors[r] = error * error;
    }
    return new Rows<>(metrics, errors);
  }

  private RegressionMetrics pass(ArrowBatch batch, boolean train) {
    input.readTargets(batch);
    int n = input.rows();
    // Reused while batches keep their size: RegressionMetrics.of keeps neither array.
    if (predicted.length != n) {
      predicted = new double[n];
    }
    core.pass(input, train, batchHead);
    return RegressionMetrics.of(predicted, input.targets());
  }

  /** The squared error's gradient by the score is the error. */
  private void batchRow(int r, double[] scores, double[] scoreGradient) {
    predicted[r] = scores[0];
    scoreGradient[0] = scores[0] - input.targets()[r];
  }

  private void oneRow(int r, double[] scores, double[] scoreGradient) {
    lastPrediction = scores[0];
    scoreGradient[0] = scores[0] - oneTarget;
  }

  /** Weights {@code W} [1, features] and bias {@code b} as FLOAT, the updater's state, counters. */
  @Override
  public NamedArrays state() {
    return core.state();
  }

  @Override
  public OnlineLinearRegression withState(NamedArrays state) {
    OnlineLinearRegression model = new OnlineLinearRegression(core.features, core.options);
    model.core.load(state);
    return model;
  }
}
