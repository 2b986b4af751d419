package io.solstice.core.models;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.RefusesNonFiniteFeatures;
import io.solstice.core.Step;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.RegressionMetrics;
import io.solstice.core.nd4j.Optimizer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A multi-layer perceptron regressor written directly in ND4J: the same dense ReLU layers as
 * {@link MlpClassifier} (and the same parameters, optimizer, buffers and state), with a linear
 * output layer trained on the mean squared error, or on the Huber loss with
 * {@link Builder#huber}.
 *
 * <pre>{@code
 * MlpRegressor model = MlpRegressor.builder()
 *     .inputs(10).hidden(64).outputs(1)
 *     .targetScaling(new double[] {152.1}, new double[] {77.0})   // the train targets' mean and std
 *     .updater(new Adam(1e-3))
 *     .build();
 * }</pre>
 *
 * <p>Batches hold features [rows, inputs] and targets [rows] (one output) or [rows, outputs].
 *
 * <p><b>Target scaling.</b> The network learns the targets standardized with the mean and scale
 * given to {@link Builder#targetScaling} (default 0 and 1), so a target in the hundreds trains
 * as well as one near 1; {@link #predict} and the metrics undo it, so predictions, MAE and RMSE
 * are in the targets' own units. The loss is computed on the standardized targets.
 *
 * <p><b>Metrics.</b> Each step returns {@link RegressionMetrics} of its batch (MSE, RMSE, MAE,
 * R^2), in target units. A step whose predictions are not finite (the model diverged) returns
 * non-finite metrics rather than throwing, so that the engine's non-finite policy
 * ({@code Run.nonFinite}) sees the step's {@code mse} and applies.
 *
 * <p><b>State.</b> What {@link MlpClassifier#state()} holds, plus {@code target/mean} and
 * {@code target/scale}, so a checkpoint carries the scaling the model was trained with.
 *
 * <p><b>Non-finite features.</b> {@link #trainStep}, {@link #evalStep}, {@link #gradients} and
 * {@link #loss} refuse a batch whose features hold a NaN or an infinity with a {@link
 * io.solstice.core.NonFiniteFeaturesException}, before anything of the model has changed (see
 * {@link RefusesNonFiniteFeatures}); {@link #predict} does not check.
 *
 * <p>Thread safety: not thread-safe; the engine drives one experiment from one thread. Distinct
 * models share no mutable state.
 */
public final class MlpRegressor extends MlpModel
    implements Experiment<MlpRegressor, TensorBatch, RegressionMetrics>, Checkpointable<MlpRegressor>,
    RefusesNonFiniteFeatures {

  private static final String TARGET_MEAN = "target/mean";
  private static final String TARGET_SCALE = "target/scale";

  private final double huberDelta;
  private final double[] targetMean;
  private final double[] targetScale;

  private MlpRegressor(MlpNetwork network, double huberDelta, double[] targetMean, double[] targetScale) {
    super(network);
    this.huberDelta = huberDelta;
    this.targetMean = targetMean;
    this.targetScale = targetScale;
  }

  /**
   * A new builder.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Step<MlpRegressor, RegressionMetrics> trainStep(TensorBatch batch) {
    RegressionMetrics metrics = computeGradients(batch.features(), batch.labels(), true).metrics;
    return Step.of(this, metrics);
  }

  @Override
  public Step<MlpRegressor, RegressionMetrics> evalStep(TensorBatch batch) {
    INDArray features = batch.features();
    double[] targets = readTargets(batch.labels(), features.size(0));
    double[] outputs = MlpNetwork.outputs(network.forward(features, false, true)).data().asDouble();
    return Step.of(this, metrics(outputs, targets));
  }

  /**
   * Computes the loss of a batch and writes its gradient into {@link #parameters()}'s gradient
   * buffers without updating anything: {@link #trainStep} is this followed by
   * {@link Optimizer#step()}.
   *
   * @param features [rows, inputs]
   * @param targets [rows] or [rows, outputs]
   * @return the loss of the batch (see {@link #loss})
   */
  public double gradients(INDArray features, INDArray targets) {
    return computeGradients(features, targets, false).loss;
  }

  /**
   * Predictions for each row (without dropout), in target units.
   *
   * @param features [rows, inputs]
   * @return a new array [rows, outputs] owned by the caller
   */
  public INDArray predict(INDArray features) {
    double[] outputs = MlpNetwork.outputs(network.forward(features, false, false)).data().asDouble();
    int k = network.outputs();
    for (int i = 0; i < outputs.length; i++) {
      outputs[i] = unscale(outputs[i], i % k);
    }
    return Nd4j.create(outputs, new long[] {outputs.length / k, k}, DataType.DOUBLE);
  }

  /**
   * The loss of a batch on the standardized targets (mean squared error, or mean Huber loss),
   * without dropout and without touching gradients.
   *
   * @param features [rows, inputs]
   * @param targets [rows] or [rows, outputs]
   * @return the mean loss
   */
  public double loss(INDArray features, INDArray targets) {
    double[] t = readTargets(targets, features.size(0));
    return lossOf(MlpNetwork.outputs(network.forward(features, false, true)).data().asDouble(), t);
  }

  /** The batch's loss and metrics, with every gradient written and, when {@code step}, the optimizer applied. */
  private BatchResult computeGradients(INDArray features, INDArray labels, boolean step) {
    double[] targets = readTargets(labels, features.size(0));
    MlpBuffers buffers = network.forward(features, true, true);
    INDArray outputBuffer = MlpNetwork.outputs(buffers);
    double[] outputs = outputBuffer.data().asDouble();
    BatchResult result = new BatchResult(metrics(outputs, targets), lossOf(outputs, targets));
    outputDelta(outputBuffer, outputs, targets);
    if (step) {
      network.backwardAndStep(buffers);
    } else {
      network.backward(buffers);
    }
    return result;
  }

  private double lossOf(double[] outputs, double[] targets) {
    double sum = 0;
    for (int i = 0; i < outputs.length; i++) {
      double error = error(outputs, targets, i);
      double magnitude = Math.abs(error);
      if (huberDelta == 0) {
        sum += error * error;
      } else {
        sum += magnitude <= huberDelta ? error * error / 2 : huberDelta * (magnitude - huberDelta / 2);
      }
    }
    return sum / outputs.length;
  }

  /** The error of output {@code i} against its standardized target. */
  private double error(double[] outputs, double[] targets, int i) {
    int output = i % network.outputs();
    return outputs[i] - (targets[i] - targetMean[output]) / targetScale[output];
  }

  /**
   * Writes d(loss)/d(outputs) into the outputs buffer: 2e/n for the squared error, e clipped
   * to [-delta, delta] over n for Huber, where e is the error on the standardized target.
   */
  private void outputDelta(INDArray outputBuffer, double[] outputs, double[] targets) {
    DataBuffer delta = outputBuffer.data();
    double n = outputs.length;
    for (int i = 0; i < outputs.length; i++) {
      double error = error(outputs, targets, i);
      double gradient = huberDelta > 0 ? Math.max(-huberDelta, Math.min(huberDelta, error)) : 2 * error;
      delta.put(i, gradient / n);
    }
  }

  private RegressionMetrics metrics(double[] outputs, double[] targets) {
    double[] predictions = new double[outputs.length];
    int k = network.outputs();
    for (int i = 0; i < outputs.length; i++) {
      predictions[i] = unscale(outputs[i], i % k);
    }
    return RegressionMetrics.of(predictions, targets);
  }

  private double unscale(double output, int index) {
    return output * targetScale[index] + targetMean[index];
  }

  private double[] readTargets(INDArray labels, long rows) {
    int k = network.outputs();
    if (labels.length() != rows * k || labels.rank() > 2 || labels.rank() == 2 && labels.size(1) != k) {
      throw new IllegalArgumentException(
          "targets must be [rows] for one output or [rows, " + k + "]: " + rows + " rows but targets of shape "
              + Arrays.toString(labels.shape()));
    }
    double[] targets = labels.ravel().toDoubleVector();
    for (int i = 0; i < targets.length; i++) {
      if (!Double.isFinite(targets[i])) {
        throw new IllegalArgumentException("target at row " + i / k + " is " + targets[i] + "; targets must be finite");
      }
    }
    return targets;
  }

  /**
   * The mean added back to each standardized output: predictions are {@code output *
   * targetScale() + targetMean()}.
   *
   * @return a copy of the means, one per output
   */
  public double[] targetMean() {
    return targetMean.clone();
  }

  /**
   * The scale each standardized output is multiplied by (see {@link #targetMean()}).
   *
   * @return a copy of the scales, one per output
   */
  public double[] targetScale() {
    return targetScale.clone();
  }

  @Override
  public NamedArrays state() {
    NamedArrays.Builder out = NamedArrays.builder();
    network.putState(out);
    out.put(TARGET_MEAN, Nd4j.createFromArray(targetMean.clone()));
    out.put(TARGET_SCALE, Nd4j.createFromArray(targetScale.clone()));
    return out.build();
  }

  /**
   * A new model of the same architecture, loss and optimizer configuration holding copies of
   * the given state (target scaling included); this model is left unchanged.
   */
  @Override
  public MlpRegressor withState(NamedArrays state) {
    long k = network.outputs();
    double[] mean = state.get(TARGET_MEAN, DataType.DOUBLE, k).toDoubleVector();
    double[] scale = state.get(TARGET_SCALE, DataType.DOUBLE, k).toDoubleVector();
    return new MlpRegressor(network.withState(state), huberDelta, mean, scale);
  }

  @Override
  public String toString() {
    return "MlpRegressor" + network.describe();
  }

  /** One batch's metrics and loss. */
  private record BatchResult(RegressionMetrics metrics, double loss) {}

  /**
   * Configures an {@link MlpRegressor}. Required: {@code inputs}. Defaults: one output, no
   * hidden layer (linear regression), squared error, no target scaling, {@code Adam(1e-3)}, no
   * clipping, no dropout, FLOAT, seed 0.
   */
  public static final class Builder extends MlpBuilder<Builder> {
    private int outputs = 1;
    private double huberDelta;
    private double[] targetMean;
    private double[] targetScale;

    private Builder() {}

    @Override
    Builder self() {
      return this;
    }

    /**
     * The number of targets per row.
     *
     * @param outputs at least 1
     * @return this builder
     */
    public Builder outputs(int outputs) {
      this.outputs = positive(outputs, "outputs");
      return this;
    }

    /**
     * Trains on the Huber loss instead of the squared error: quadratic for errors up to
     * {@code delta}, linear beyond, so outliers pull less. The error is that of the
     * standardized target (see {@link #targetScaling}), so 1.0 means one standard deviation.
     *
     * @param delta where the loss turns linear, positive
     * @return this builder
     */
    public Builder huber(double delta) {
      if (!(delta > 0) || Double.isInfinite(delta)) {
        throw new IllegalArgumentException("the Huber delta must be positive and finite, was " + delta);
      }
      this.huberDelta = delta;
      return this;
    }

    /**
     * The targets' mean and scale (usually their standard deviation on the training data), one
     * per output: the network learns {@code (target - mean) / scale}, and predictions are
     * mapped back.
     *
     * @param mean the mean of each output
     * @param scale the scale of each output, positive
     * @return this builder
     */
    public Builder targetScaling(double[] mean, double[] scale) {
      if (mean.length != scale.length) {
        throw new IllegalArgumentException("target mean and scale differ in length: " + mean.length + " vs "
            + scale.length);
      }
      for (int i = 0; i < scale.length; i++) {
        if (!(scale[i] > 0) || !Double.isFinite(scale[i]) || !Double.isFinite(mean[i])) {
          throw new IllegalArgumentException("target scale must be positive and finite and the mean finite, got mean "
              + Arrays.toString(mean) + ", scale " + Arrays.toString(scale));
        }
      }
      this.targetMean = mean.clone();
      this.targetScale = scale.clone();
      return this;
    }

    /**
     * Builds the model: He-normal weights for the ReLU layers, Xavier-uniform for the output
     * layer, zero biases.
     *
     * @return the model
     * @throws IllegalStateException when inputs were not set or the target scaling does not
     *     match the outputs
     */
    public MlpRegressor build() {
      double[] mean = targetMean == null ? new double[outputs] : targetMean;
      double[] scale = targetScale == null ? filled(outputs, 1.0) : targetScale;
      if (mean.length != outputs) {
        throw new IllegalStateException("target scaling for " + mean.length + " outputs, but the model has "
            + outputs);
      }
      MlpNetwork network = network(outputs, "outputs", "MlpRegressor.builder().inputs(10).hidden(64).build()");
      return new MlpRegressor(network, huberDelta, mean.clone(), scale.clone());
    }

    private static double[] filled(int n, double value) {
      double[] out = new double[n];
      Arrays.fill(out, value);
      return out;
    }
  }
}
