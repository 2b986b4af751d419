package io.solstice.online.linear;

import io.solstice.arrow.ArrowBatch;
import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
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
        Adaptable {

  private final LinearCore core;
  private final float[] row;

  /**
   * A model with all weights zero.
   *
   * @param features values per row
   * @param options how it learns
   */
  public OnlineLinearRegression(int features, LinearOptions options) {
    this.core = new LinearCore(1, features, options);
    this.row = new float[features];
  }

  /**
   * The prediction for a row.
   *
   * @param x the features
   * @return {@code w . x + b}
   */
  public double predict(float[] x) {
    return core.score(0, x);
  }

  /**
   * Predicts one row, then learns it (in per-batch mode, as a batch of one).
   *
   * @param x the features
   * @param target the target
   * @return the prediction made before learning
   */
  public double learn(float[] x, double target) {
    double predicted = learnRow(x, target);
    core.apply();
    return predicted;
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

  private RegressionMetrics pass(ArrowBatch batch, boolean train) {
    String labelColumn = core.options.labelColumn();
    LabeledRows rows = new LabeledRows(batch, core.options.featureColumn(), labelColumn, core.features);
    int n = rows.rows();
    double[] predicted = new double[n];
    double[] targets = new double[n];
    for (int r = 0; r < n; r++) {
      rows.features(r, row);
      targets[r] = rows.target(r, labelColumn);
      predicted[r] = train ? learnRow(row, targets[r]) : core.score(0, row);
    }
    if (train) {
      core.apply();
    }
    return RegressionMetrics.of(predicted, targets);
  }

  private double learnRow(float[] x, double target) {
    double predicted = core.score(0, x);
    core.accumulate(0, x, predicted - target);
    core.endRow();
    return predicted;
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
