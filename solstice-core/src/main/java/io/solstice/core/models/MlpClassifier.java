package io.solstice.core.models;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.Step;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.nd4j.GradientClipping;
import io.solstice.core.nd4j.Initializer;
import io.solstice.core.nd4j.Optimizer;
import io.solstice.core.nd4j.Parameters;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

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
 * ({@code Nd4j.gemm} with alpha/beta, in-place ReLU, softmax and updater ops), and the
 * activations live in buffers kept per batch size (the last few sizes), allocated outside any
 * workspace the caller has open. Loss and predictions are read back to the heap once per step. {@link #trainStep} and {@link #evalStep} update this
 * object in place and return it (the fast path of {@link Experiment}).
 *
 * <p><b>State.</b> {@link #state()} holds the parameters ({@code layer0/W}, {@code layer0/b},
 * ...), the optimizer state ({@code updater/...}) and the dropout generator's state
 * ({@code rng/seed}, {@code rng/counter}: each training step draws its masks from a Java
 * {@link SplittableRandom} seeded with a mix of both), so a restored model continues
 * bit-identically.
 *
 * <p><b>Reproducibility.</b> Initial weights and dropout masks come from Java generators that
 * belong to this model (see {@link Parameters.Builder#build()}), never from ND4J's native
 * random state: a seed gives the same bits on any thread, however many models are built or
 * trained at once in the process.
 *
 * <p>Not thread-safe: the engine drives one experiment from one thread. Distinct models share
 * no mutable state and may be built and trained on different threads at once.
 */
public final class MlpClassifier
    implements Experiment<MlpClassifier, TensorBatch, ClassificationMetrics>,
        Checkpointable<MlpClassifier> {

  /** Batch sizes whose buffers are kept; a training run usually sees two (full and last). */
  private static final int CACHED_BATCH_SIZES = 4;

  private final Architecture architecture;
  private final Parameters parameters;
  private final Optimizer optimizer;
  private final long seed;
  private long rngCounter;
  private final Map<Long, MlpBuffers> buffersBySize =
      new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, MlpBuffers> eldest) {
          if (size() > CACHED_BATCH_SIZES) {
            eldest.getValue().close();
            return true;
          }
          return false;
        }
      };

  private MlpClassifier(
      Architecture architecture, Parameters parameters, Optimizer optimizer, long seed,
      long rngCounter) {
    this.architecture = architecture;
    this.parameters = parameters;
    this.optimizer = optimizer;
    this.seed = seed;
    this.rngCounter = rngCounter;
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
  public Step<MlpClassifier, ClassificationMetrics> trainStep(TensorBatch batch) {
    BatchResult result = computeGradients(batch.features(), batch.labels());
    optimizer.step();
    return Step.of(this, result.metrics(architecture.classes()));
  }

  @Override
  public Step<MlpClassifier, ClassificationMetrics> evalStep(TensorBatch batch) {
    INDArray features = batch.features();
    int[] targets = readLabels(batch.labels(), features.size(0));
    MlpBuffers buffers = forward(features, false);
    BatchResult result = lossAndPredictions(buffers, targets);
    return Step.of(this, result.metrics(architecture.classes()));
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
    return computeGradients(features, labels).meanLoss;
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
    return lossAndPredictions(forward(features, false), targets).meanLoss;
  }

  /**
   * Class probabilities for each row (without dropout).
   *
   * @param features [rows, inputs]
   * @return a new array [rows, classes] owned by the caller
   */
  public INDArray predict(INDArray features) {
    MlpBuffers buffers = forward(features, false);
    INDArray logits = buffers.activations[buffers.activations.length - 1];
    INDArray probabilities = logits.dup('c');
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
    MlpBuffers buffers = forward(features, false);
    return lossAndPredictions(buffers, null).predictions;
  }

  private BatchResult computeGradients(INDArray features, INDArray labels) {
    long rows = features.size(0);
    int[] targets = readLabels(labels, rows);
    MlpBuffers buffers = forward(features, true);
    BatchResult result = lossAndPredictions(buffers, targets);
    backward(buffers, targets);
    return result;
  }

  /** Runs the layers into the buffers of this batch size; the last activation is the logits. */
  private MlpBuffers forward(INDArray features, boolean training) {
    checkFeatures(features);
    MlpBuffers buffers = buffersFor(features.size(0));
    INDArray in = input(features, buffers);
    buffers.source = in;
    // One generator per step, seeded from (seed, counter): restoring both restores the masks.
    SplittableRandom dropoutRandom =
        training && architecture.dropout > 0 ? new SplittableRandom(mix(seed, rngCounter++)) : null;
    int layers = architecture.layers();
    for (int l = 0; l < layers; l++) {
      INDArray out = buffers.activations[l];
      Nd4j.gemm(in, parameters.get(weightName(l)), out, false, false, 1.0, 0.0);
      out.addiRowVector(parameters.get(biasName(l)));
      if (l < layers - 1) {
        Nd4j.exec(new RectifiedLinear(out, out, 0.0));
        if (dropoutRandom != null) {
          INDArray mask = buffers.masks[l];
          DropoutMask.fill(mask, 1 - architecture.dropout, dropoutRandom);
          out.muli(mask);
        }
      }
      in = out;
    }
    return buffers;
  }

  /**
   * Backpropagates the mean cross-entropy through the layers, writing every parameter's
   * gradient. Consumes the logits buffer (turned into the output delta).
   */
  private void backward(MlpBuffers buffers, int[] targets) {
    int layers = architecture.layers();
    long rows = buffers.rows;
    INDArray delta = buffers.activations[layers - 1];
    // d(mean CE)/d(logits) = (softmax - onehot) / rows, computed in place.
    Nd4j.exec(new SoftMax(delta, delta, 1));
    for (int i = 0; i < rows; i++) {
      delta.putScalar(i, targets[i], delta.getDouble(i, targets[i]) - 1);
    }
    delta.muli(1.0 / rows);
    for (int l = layers - 1; l >= 0; l--) {
      INDArray previous = l == 0 ? buffers.source : buffers.activations[l - 1];
      Nd4j.gemm(previous, delta, parameters.gradient(weightName(l)), true, false, 1.0, 0.0);
      Nd4j.gemm(buffers.ones, delta, parameters.gradient(biasName(l)), false, false, 1.0, 0.0);
      if (l > 0) {
        INDArray previousDelta = buffers.deltas[l - 1];
        Nd4j.gemm(delta, parameters.get(weightName(l)), previousDelta, false, true, 1.0, 0.0);
        if (buffers.masks.length > 0) {
          previousDelta.muli(buffers.masks[l - 1]);
        }
        // ReLU' from the (post-dropout) activation: positive exactly where the unit was live.
        Nd4j.exec(
            new RectifiedLinearDerivative(
                buffers.activations[l - 1], previousDelta, previousDelta));
        delta = previousDelta;
      }
    }
    buffers.source = null;
  }

  /** Reads the logits to the heap once: the loss (stable log-sum-exp) and the arg-max. */
  private BatchResult lossAndPredictions(MlpBuffers buffers, int[] targets) {
    int classes = architecture.classes();
    double[] logits = buffers.activations[buffers.activations.length - 1].data().asDouble();
    int rows = (int) buffers.rows;
    int[] predictions = new int[rows];
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
          sum += Math.exp(logits[base + k] - max);
        }
        lossSum += max + Math.log(sum) - logits[base + targets[i]];
      }
    }
    return new BatchResult(predictions, targets, rows == 0 ? 0 : lossSum / rows);
  }

  private INDArray input(INDArray features, MlpBuffers buffers) {
    if (features.dataType() == parameters.dataType()) {
      return features;
    }
    buffers.input.assign(features);
    return buffers.input;
  }

  private MlpBuffers buffersFor(long rows) {
    MlpBuffers buffers = buffersBySize.get(rows);
    if (buffers == null) {
      // Kept across steps, so never inside a workspace the caller may have open.
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        buffers =
            new MlpBuffers(
                rows, architecture.sizes(), parameters.dataType(), architecture.dropout > 0);
      }
      buffersBySize.put(rows, buffers);
    }
    return buffers;
  }

  private void checkFeatures(INDArray features) {
    if (features.rank() != 2 || features.size(1) != architecture.inputs()) {
      throw new IllegalArgumentException(
          "features must be [rows, " + architecture.inputs() + "] but were "
              + Arrays.toString(features.shape())
              + "; reshape them or build the model with inputs(" + features.size(-1) + ")");
    }
    if (features.size(0) < 1) {
      throw new IllegalArgumentException("a batch needs at least one row");
    }
    if (!features.dataType().isFPType()) {
      throw new IllegalArgumentException(
          "features must be floating point, were " + features.dataType());
    }
  }

  private int[] readLabels(INDArray labels, long rows) {
    if (labels.length() != rows) {
      throw new IllegalArgumentException(
          "labels must hold one class index per row: " + rows + " rows but labels of shape "
              + Arrays.toString(labels.shape()));
    }
    int[] targets = new int[(int) rows];
    for (int i = 0; i < rows; i++) {
      double value = labels.getDouble(i);
      if (value != Math.rint(value) || value < 0 || value >= architecture.classes()) {
        throw new IllegalArgumentException(
            "label at row " + i + " is " + value + "; expected a class index in [0, "
                + architecture.classes() + ")");
      }
      targets[i] = (int) value;
    }
    return targets;
  }

  /** SplitMix64 of seed and counter: distinct, well-spread seeds for consecutive steps. */
  private static long mix(long seed, long counter) {
    long z = seed + (counter + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * The parameters, updated in place by each training step.
   *
   * @return the parameters
   */
  public Parameters parameters() {
    return parameters;
  }

  /**
   * The optimizer (for its learning rate, iteration, or {@link Optimizer#setEpoch} for
   * epoch-based schedules).
   *
   * @return the optimizer
   */
  public Optimizer optimizer() {
    return optimizer;
  }

  /**
   * The layer sizes, from inputs to classes, for example [64, 128, 10].
   *
   * @return a copy of the sizes
   */
  public int[] layerSizes() {
    return architecture.sizes();
  }

  @Override
  public NamedArrays state() {
    NamedArrays.Builder out = NamedArrays.builder();
    parameters.asNamedArrays().asMap().forEach(out::put);
    optimizer.state().asMap().forEach(out::put);
    return out
        .scalar("rng/seed", seed)
        .scalar("rng/counter", rngCounter)
        .build();
  }

  /**
   * A new model of the same architecture and optimizer configuration holding copies of the
   * given state; this model is left unchanged.
   */
  @Override
  public MlpClassifier withState(NamedArrays state) {
    Parameters restored = parameters.copy();
    restored.load(state);
    Optimizer restoredOptimizer = optimizer.forParameters(restored);
    restoredOptimizer.loadState(state);
    return new MlpClassifier(
        architecture, restored, restoredOptimizer, state.getLong("rng/seed"),
        state.getLong("rng/counter"));
  }

  @Override
  public String toString() {
    return "MlpClassifier" + Arrays.toString(architecture.sizes()) + "{"
        + parameters.dataType() + ", dropout=" + architecture.dropout + ", iteration="
        + optimizer.iteration() + "}";
  }

  static String weightName(int layer) {
    return "layer" + layer + "/W";
  }

  static String biasName(int layer) {
    return "layer" + layer + "/b";
  }

  /** Layer sizes and dropout: what a model's shape is. */
  private record Architecture(int[] layerSizes, double dropout) {
    int layers() {
      return layerSizes.length - 1;
    }

    int inputs() {
      return layerSizes[0];
    }

    int classes() {
      return layerSizes[layerSizes.length - 1];
    }

    int[] sizes() {
      return layerSizes.clone();
    }
  }

  /** One batch's predictions and mean loss. */
  private record BatchResult(int[] predictions, int[] targets, double meanLoss) {
    ClassificationMetrics metrics(int classes) {
      return ClassificationMetrics.of(predictions, targets, meanLoss, classes);
    }
  }

  /**
   * Configures an {@link MlpClassifier}. Required: {@link #inputs} and {@link #classes}.
   * Defaults: no hidden layer, {@code Adam(1e-3)}, no clipping, no dropout, FLOAT, seed 0.
   */
  public static final class Builder {
    private int inputs;
    private int[] hidden = new int[0];
    private int classes;
    private final OptimizerSettings optimizer = new OptimizerSettings(new Adam(1e-3));
    private double dropout;
    private DataType dataType = DataType.FLOAT;
    private long seed;

    private Builder() {}

    /**
     * The number of input features.
     *
     * @param inputs at least 1
     * @return this builder
     */
    public Builder inputs(int inputs) {
      this.inputs = positive(inputs, "inputs");
      return this;
    }

    /**
     * The sizes of the hidden ReLU layers, in order (none: softmax regression).
     *
     * @param sizes each at least 1
     * @return this builder
     */
    public Builder hidden(int... sizes) {
      for (int size : sizes) {
        positive(size, "hidden layer size");
      }
      this.hidden = sizes.clone();
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
     * The ND4J updater, for example {@code new Adam(1e-3)} or {@code new Nesterovs(0.1, 0.9)}.
     *
     * @param updater the updater configuration (copied)
     * @return this builder
     */
    public Builder updater(IUpdater updater) {
      optimizer.updater(Objects.requireNonNull(updater, "updater").clone());
      return this;
    }

    /**
     * Gradient clipping before each update.
     *
     * @param clipping for example {@link GradientClipping#byNorm(double)}
     * @return this builder
     */
    public Builder clipping(GradientClipping clipping) {
      optimizer.clipping(clipping);
      return this;
    }

    /**
     * A learning-rate schedule replacing the updater's fixed rate.
     *
     * @param schedule the schedule
     * @return this builder
     */
    public Builder schedule(ISchedule schedule) {
      optimizer.schedule(schedule);
      return this;
    }

    /**
     * Decoupled weight decay on the weights (AdamW with the Adam updater).
     *
     * @param coefficient at least 0
     * @return this builder
     */
    public Builder weightDecay(double coefficient) {
      optimizer.weightDecay(coefficient);
      return this;
    }

    /**
     * Inverted dropout on the hidden activations during training.
     *
     * @param rate the probability of dropping a unit, in [0, 1)
     * @return this builder
     */
    public Builder dropout(double rate) {
      if (!(rate >= 0 && rate < 1)) {
        throw new IllegalArgumentException("dropout must be in [0, 1), was " + rate);
      }
      this.dropout = rate;
      return this;
    }

    /**
     * The parameters' data type: FLOAT (default) or DOUBLE (for gradient checks).
     *
     * @param dataType a floating-point type
     * @return this builder
     */
    public Builder dataType(DataType dataType) {
      this.dataType = Objects.requireNonNull(dataType, "dataType");
      return this;
    }

    /**
     * The seed of the initial weights and of the dropout generator.
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Builds the model: He-normal weights for the ReLU layers, Xavier-uniform for the output
     * layer, zero biases.
     *
     * @return the model
     * @throws IllegalStateException when inputs or classes were not set
     */
    public MlpClassifier build() {
      if (inputs == 0 || classes == 0) {
        throw new IllegalStateException(
            "set inputs(...) and classes(...) before build(), for example "
                + "MlpClassifier.builder().inputs(64).hidden(128).classes(10).build()");
      }
      int[] sizes = new int[hidden.length + 2];
      sizes[0] = inputs;
      System.arraycopy(hidden, 0, sizes, 1, hidden.length);
      sizes[sizes.length - 1] = classes;
      Parameters.Builder params = Parameters.builder().dataType(dataType).seed(seed);
      for (int l = 0; l < sizes.length - 1; l++) {
        boolean output = l == sizes.length - 2;
        params.weight(
            weightName(l),
            output ? Initializer.xavierUniform() : Initializer.heNormal(),
            sizes[l], sizes[l + 1]);
        params.bias(biasName(l), Initializer.zeros(), 1, sizes[l + 1]);
      }
      Parameters parameters = params.build();
      return new MlpClassifier(
          new Architecture(sizes, dropout), parameters, optimizer.build(parameters), seed, 0);
    }

    private static int positive(int value, String what) {
      if (value < 1) {
        throw new IllegalArgumentException(what + " must be at least 1, was " + value);
      }
      return value;
    }
  }
}
