package io.solstice.core.models;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.RefusesNonFiniteFeatures;
import io.solstice.core.RowEvaluation;
import io.solstice.core.Step;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.nd4j.HostMatrix;
import io.solstice.core.nd4j.Optimizer;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A multi-layer perceptron classifier written directly in ND4J: dense layers with ReLU
 * between them, a softmax output and the mean cross-entropy loss, trained by an
 * {@link Optimizer} on ND4J's own updaters.
 *
 * <pre>{@code
 * MlpClassifier model = MlpClassifier.builder()
 *     .inputs(64).hidden(128).classes(10)
 *     .updater(new Adam(1e-3))
 *     .seed(42)
 *     .build();
 * for (TensorBatch batch : batches) {
 *   model = model.trainStep(batch).experiment();
 * }
 * INDArray probabilities = model.predict(features);
 * }</pre>
 *
 * <p>Batches hold features [rows, inputs] (any floating type; cast when it differs from the
 * model's) and labels as class indices [rows]. The number of rows may change from batch to
 * batch.
 *
 * <p><b>Memory.</b> A step allocates no arrays once it has seen a batch of that size: the
 * parameters, gradients and updater state live in flat buffers updated in place
 * (gemms with alpha/beta straight into gradient views, in-place activations and updates), and the
 * activations live in buffers kept per batch size (the last few sizes), allocated outside any
 * workspace the caller has open. Loss and predictions are read back to the heap once per step. {@link #trainStep} and {@link #evalStep} update this
 * object in place and return it (the fast path of {@link Experiment}).
 *
 * <p><b>Divergence.</b> A step whose loss is not finite (logits that overflowed, weights gone to
 * infinity) returns {@link ClassificationMetrics} holding that loss rather than throwing, so that
 * the engine's non-finite policy ({@code Run.nonFinite}) sees it and applies.
 *
 * <p><b>Class weights.</b> With {@link Builder#classWeights} each row's cross-entropy (and its
 * gradient) is multiplied by the weight of its true class, and the loss is the mean of the
 * weighted terms, as in Keras's {@code class_weight} and scikit-learn's
 * {@code class_weight="balanced"} ({@link #balancedWeights} computes those).
 *
 * <p><b>State.</b> {@link #state()} holds the parameters ({@code layer0/W}, {@code layer0/b},
 * ...), the optimizer state ({@code updater/...}) and the dropout generator's state
 * ({@code rng/seed}, {@code rng/counter}: each training step draws its masks from a Java
 * {@link java.util.SplittableRandom} seeded with a mix of both), so a restored model continues
 * bit-identically.
 *
 * <p><b>Reproducibility.</b> Initial weights and dropout masks come from Java generators that
 * belong to this model (see {@link io.solstice.core.nd4j.Parameters.Builder#build()}), never
 * from ND4J's native random state: a seed gives the same bits on any thread, however many
 * models are built or trained at once in the process.
 *
 * <p><b>Non-finite features.</b> {@link #trainStep}, {@link #evalStep}, {@link #evaluateRows},
 * {@link #gradients} and {@link #loss} refuse a batch whose features hold a NaN or an infinity
 * with a {@link io.solstice.core.NonFiniteFeaturesException}, before anything of the model has
 * changed (see {@link RefusesNonFiniteFeatures}); {@link #predict} and {@link #predictClasses}
 * do not check.
 *
 * <p>Not thread-safe: the engine drives one experiment from one thread. Distinct models share
 * no mutable state and may be built and trained on different threads at once.
 */
public final class MlpClassifier extends MlpModel
    implements Experiment<MlpClassifier, TensorBatch, ClassificationMetrics>,
        RowEvaluation<TensorBatch, ClassificationMetrics>,
        Checkpointable<MlpClassifier>,
        RefusesNonFiniteFeatures {

  private final double[] classWeights;

  private MlpClassifier(MlpNetwork network, double[] classWeights) {
    super(network);
    this.classWeights = classWeights;
  }

  /**
   * A new builder.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * scikit-learn's "balanced" class weights, {@code rows / (classes * rowsOfClass)}: each
   * class then carries the same total weight. A class with no rows gets weight 1 (it never
   * contributes to the loss anyway).
   *
   * @param rowsPerClass the number of training rows of each class
   * @return the weight of each class
   */
  public static double[] balancedWeights(long[] rowsPerClass) {
    long rows = 0;
    for (long n : rowsPerClass) {
      rows += n;
    }
    double[] weights = new double[rowsPerClass.length];
    for (int k = 0; k < weights.length; k++) {
      weights[k] = rowsPerClass[k] == 0 ? 1 : (double) rows / ((double) rowsPerClass.length * rowsPerClass[k]);
    }
    return weights;
  }

  @Override
  public Step<MlpClassifier, ClassificationMetrics> trainStep(TensorBatch batch) {
    BatchResult result = computeGradients(batch.features(), batch.labels(), true);
    return Step.of(this, result.metrics(classes()));
  }

  @Override
  public Step<MlpClassifier, ClassificationMetrics> evalStep(TensorBatch batch) {
    return Step.of(this, evaluate(batch).metrics(classes()));
  }

  /** One forward pass gives the batch's metrics and each row's 0/1 error. */
  @Override
  public Rows<ClassificationMetrics> evaluateRows(TensorBatch batch) {
    BatchResult result = evaluate(batch);
    double[] errors = new double[result.predictions().length];
    for (int i = 0; i < errors.length; i++) {
      errors[i] = result.predictions()[i] == result.targets()[i] ? 0 : 1;
    }
    return new Rows<>(result.metrics(classes()), errors);
  }

  private BatchResult evaluate(TensorBatch batch) {
    INDArray features = batch.features();
    int[] targets = readLabels(batch.labels(), features.size(0));
    return lossAndPredictions(network.forward(features, false, true), targets);
  }

  /**
   * Computes the loss of a batch and writes its gradient into {@link #parameters()}'s gradient
   * buffers without updating anything: {@link #trainStep} is this followed by
   * {@link Optimizer#step()}. Useful to check gradients or to combine gradients of several
   * batches by hand.
   *
   * @param features [rows, inputs]
   * @param labels class indices [rows]
   * @return the mean cross-entropy loss of the batch
   */
  public double gradients(INDArray features, INDArray labels) {
    return computeGradients(features, labels, false).meanLoss;
  }

  /**
   * The mean cross-entropy loss of a batch, without dropout and without touching gradients.
   *
   * @param features [rows, inputs]
   * @param labels class indices [rows]
   * @return the mean loss
   */
  public double loss(INDArray features, INDArray labels) {
    int[] targets = readLabels(labels, features.size(0));
    return lossAndPredictions(network.forward(features, false, true), targets).meanLoss;
  }

  /**
   * Class probabilities for each row (without dropout).
   *
   * @param features [rows, inputs]
   * @return a new array [rows, classes] owned by the caller
   */
  public INDArray predict(INDArray features) {
    INDArray probabilities = MlpNetwork.outputs(network.forward(features, false, false)).dup('c');
    Nd4j.exec(new SoftMax(probabilities, probabilities, 1));
    return probabilities;
  }

  /**
   * The most probable class of each row.
   *
   * @param features [rows, inputs]
   * @return one class index per row
   */
  public int[] predictClasses(INDArray features) {
    return lossAndPredictions(network.forward(features, false, false), null).predictions;
  }

  /** The batch's loss and metrics, with every gradient written and, when {@code step}, the optimizer applied. */
  private BatchResult computeGradients(INDArray features, INDArray labels, boolean step) {
    long rows = features.shape()[0];
    int[] targets = readLabels(labels, rows);
    MlpBuffers buffers = network.forward(features, true, true);
    BatchResult result;
    HostMatrix outputMatrix = MlpNetwork.outputMatrix(buffers);
    INDArray outputs = outputMatrix.array();
    ByteBuffer hostOutputs = outputMatrix.bytes();
    if (hostOutputs != null) {
      // One read of the logits gives the loss, the predictions and the output delta, written
      // back in one bulk copy: no softmax op, no per-row element access through ND4J.
      double[] logits = outputs.data().asDouble();
      result = scoreRows(logits, targets, true);
      if (outputs.dataType() == DataType.FLOAT) {
        float[] delta = new float[logits.length];
        for (int i = 0; i < delta.length; i++) {
          delta[i] = (float) logits[i];
        }
        hostOutputs.asFloatBuffer().put(0, delta);
      } else {
        hostOutputs.asDoubleBuffer().put(0, logits);
      }
    } else {
      result = lossAndPredictions(buffers, targets);
      outputDelta(buffers, targets);
    }
    if (step) {
      network.backwardAndStep(buffers);
    } else {
      network.backward(buffers);
    }
    return result;
  }

  /**
   * Turns the logits into d(mean weighted CE)/d(logits) = w_y (softmax - onehot) / rows, in
   * place.
   */
  private void outputDelta(MlpBuffers buffers, int[] targets) {
    long rows = buffers.rows;
    INDArray delta = MlpNetwork.outputs(buffers);
    Nd4j.exec(new SoftMax(delta, delta, 1));
    for (int i = 0; i < rows; i++) {
      delta.putScalar(i, targets[i], delta.getDouble(i, targets[i]) - 1);
    }
    if (classWeights == null) {
      delta.muli(1.0 / rows);
    } else {
      for (int i = 0; i < rows; i++) {
        buffers.rowScale.putScalar(i, classWeights[targets[i]] / rows);
      }
      delta.muliColumnVector(buffers.rowScale);
    }
  }

  /** Reads the logits to the heap once: the loss (stable log-sum-exp) and the arg-max. */
  private BatchResult lossAndPredictions(MlpBuffers buffers, int[] targets) {
    return scoreRows(MlpNetwork.outputs(buffers).data().asDouble(), targets, false);
  }

  /**
   * The loss (stable log-sum-exp) and the arg-max of each row of the logits [rows, classes]
   * (row-major); with {@code writeDelta}, also overwrites the logits with the output delta
   * d(mean weighted CE)/d(logits) = w_y (softmax - onehot) / rows, as {@link #outputDelta}
   * computes it in ND4J.
   */
  private BatchResult scoreRows(double[] logits, int[] targets, boolean writeDelta) {
    int classes = classes();
    int rows = logits.length / classes;
    int[] predictions = new int[rows];
    double[] exps = new double[classes];
    double lossSum = 0;
    for (int i = 0; i < rows; i++) {
      int base = i * classes;
      int best = 0;
      double max = logits[base];
      for (int k = 1; k < classes; k++) {
        if (logits[base + k] > max) {
          max = logits[base + k];
          best = k;
        }
      }
      predictions[i] = best;
      if (targets != null) {
        double sum = 0;
        for (int k = 0; k < classes; k++) {
          exps[k] = Math.exp(logits[base + k] - max);
          sum += exps[k];
        }
        double weight = classWeights == null ? 1 : classWeights[targets[i]];
        double crossEntropy = max + Math.log(sum) - logits[base + targets[i]];
        lossSum += weight * crossEntropy;
        if (writeDelta) {
          double scale = weight / rows;
          for (int k = 0; k < classes; k++) {
            logits[base + k] = (exps[k] / sum - (k == targets[i] ? 1 : 0)) * scale;
          }
        }
      }
    }
    return new BatchResult(predictions, targets, rows == 0 ? 0 : lossSum / rows);
  }

  private int classes() {
    return network.outputs();
  }

  private int[] readLabels(INDArray labels, long rows) {
    if (labels.length() != rows) {
      throw new IllegalArgumentException(
          "labels must hold one class index per row: " + rows + " rows but labels of shape "
              + Arrays.toString(labels.shape()));
    }
    int[] targets = new int[(int) rows];
    // A label array that is its whole buffer is read in one bulk conversion; ND4J's getDouble
    // locates each element through the shape, a few percent of a small model's step.
    double[] whole = !labels.isView() && labels.data().offset() == 0
        && labels.data().length() == rows ? labels.data().asDouble() : null;
    for (int i = 0; i < rows; i++) {
      double value = whole != null ? whole[i] : labels.getDouble(i);
      if (value != Math.rint(value) || value < 0 || value >= classes()) {
        throw new IllegalArgumentException(
            "label at row " + i + " is " + value + "; expected a class index in [0, "
                + classes() + ")");
      }
      targets[i] = (int) value;
    }
    return targets;
  }

  @Override
  public NamedArrays state() {
    NamedArrays.Builder out = NamedArrays.builder();
    network.putState(out);
    return out.build();
  }

  /**
   * A new model of the same architecture, class weights and optimizer configuration holding
   * copies of the given state; this model is left unchanged.
   */
  @Override
  public MlpClassifier withState(NamedArrays state) {
    return new MlpClassifier(network.withState(state), classWeights);
  }

  @Override
  public String toString() {
    return "MlpClassifier" + network.describe();
  }

  /** One batch's predictions and mean loss. */
  private record BatchResult(int[] predictions, int[] targets, double meanLoss) {
    ClassificationMetrics metrics(int classes) {
      return ClassificationMetrics.of(predictions, targets, meanLoss, classes);
    }
  }

  /**
   * Configures an {@link MlpClassifier}. Required: {@code inputs} and {@link #classes}.
   * Defaults: no hidden layer (softmax regression), {@code Adam(1e-3)}, no clipping, no
   * dropout, FLOAT, seed 0, no class weights.
   */
  public static final class Builder extends MlpBuilder<Builder> {
    private int classes;
    private double[] classWeights;

    private Builder() {}

    @Override
    Builder self() {
      return this;
    }

    /**
     * The number of classes.
     *
     * @param classes at least 2
     * @return this builder
     */
    public Builder classes(int classes) {
      if (classes < 2) {
        throw new IllegalArgumentException("a classifier needs at least 2 classes, was " + classes);
      }
      this.classes = classes;
      return this;
    }

    /**
     * Weights each row's loss by its class, for imbalanced data (see
     * {@link MlpClassifier#balancedWeights}).
     *
     * @param weights one positive, finite weight per class
     * @return this builder
     */
    public Builder classWeights(double... weights) {
      for (double w : weights) {
        if (!(w > 0) || Double.isInfinite(w)) {
          throw new IllegalArgumentException("class weights must be positive and finite, got "
              + Arrays.toString(weights));
        }
      }
      this.classWeights = weights.clone();
      return this;
    }

    /**
     * Builds the model: He-normal weights for the ReLU layers, Xavier-uniform for the output
     * layer, zero biases.
     *
     * @return the model
     * @throws IllegalStateException when inputs or classes were not set, or the class weights
     *     do not match the classes
     */
    public MlpClassifier build() {
      if (classWeights != null && classWeights.length != classes) {
        throw new IllegalStateException(
            classWeights.length + " class weights for " + classes + " classes; give one weight per class");
      }
      return new MlpClassifier(
          network(classes, "classes", "MlpClassifier.builder().inputs(64).hidden(128).classes(10).build()"),
          classWeights == null ? null : classWeights.clone());
    }
  }
}
