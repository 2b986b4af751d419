package io.solstice.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.CUBLAS_TF32_TENSOR_OP_MATH;
import static org.bytedeco.cuda.global.cublas.cublasSetMathMode;
import static org.bytedeco.cuda.global.cublas.cublasSgemm_v2;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemsetAsync;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.Step;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.cuda.internal.Clipping;
import io.solstice.cuda.internal.CudaStatus;
import io.solstice.cuda.internal.DeviceMemory;
import io.solstice.cuda.internal.DevicePointers;
import io.solstice.cuda.internal.FlatState;
import io.solstice.cuda.internal.HostInitializer;
import io.solstice.cuda.internal.KernelSource;
import io.solstice.cuda.internal.Kernels;
import io.solstice.cuda.internal.MlpLayout;
import io.solstice.cuda.internal.StateArrays;
import io.solstice.cuda.internal.StepStats;
import io.solstice.cuda.internal.UpdateRule;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * {@code MlpClassifier} on a CUDA device: dense layers with ReLU between them, a softmax output
 * and the mean cross-entropy loss, with the parameters, gradients, optimizer moments and
 * activations resident on the device. A step runs cuBLAS's SGEMM for the matrix products and
 * the kernels of {@link KernelSource} for the rest (bias, ReLU, dropout, softmax cross-entropy
 * and its gradient, clipping, Adam or SGD); the loss and the confusion counts are reduced on
 * the device, so a step returns a few hundred bytes to the host and nothing else.
 *
 * <p><b>Same model as the CPU one.</b> The builder has {@code MlpClassifier.Builder}'s options
 * and {@link #state()} its names, shapes and order ({@code layer0/W}, {@code layer0/b}, ...,
 * {@code updater/layer0/W/M}, ..., {@code updater/iteration}, {@code updater/epoch},
 * {@code rng/seed}, {@code rng/counter}), so a checkpoint of either loads into the other with
 * {@code withState}. The Adam update is the host Adam's float32 arithmetic, operation for
 * operation; the matrix products sum in another order than OpenBLAS, so the two models agree
 * to float32 rounding, not bit for bit. Differences, each refused with a message where it
 * applies: the updater is Adam or Sgd (ND4J's other updaters have no kernel here); clipping is
 * {@link Builder#clipByNorm} or {@link Builder#clipByValue} (a {@code GradientClipping} is a
 * function of ND4J arrays); the data type is FLOAT only; the same seed draws other initial
 * weights (ND4J's generator is native code the device path does not load) and other dropout
 * masks.
 *
 * <p><b>Batches</b> are {@link DeviceBatch}es from {@link CudaDevice#upload}: features [rows,
 * inputs] float32 and class-index labels.
 *
 * <p><b>Threads and memory.</b> Steps run on the calling thread, which the engine keeps the
 * same for a run; the device is made current on it. The model owns device memory: close it
 * when done ({@link #withState} returns a new model, which must be closed too). Not
 * thread-safe.
 */
public final class CudaMlpClassifier
    implements Experiment<CudaMlpClassifier, DeviceBatch, ClassificationMetrics>,
        Checkpointable<CudaMlpClassifier>, AutoCloseable {

  /** Batch sizes whose activation buffers are kept, as the CPU model does. */
  private static final int CACHED_BATCH_SIZES = 4;

  private final Config config;
  private final CudaDevice device;
  private final MlpLayout layout;
  private final DeviceMemory values;
  private final DeviceMemory gradients;
  private final DeviceMemory firstMoment;
  private final DeviceMemory secondMoment;
  private final DeviceMemory stats;
  private final DeviceMemory scratch;
  private final BytePointer hostStats;
  private final FloatPointer one = new FloatPointer(1f);
  private final FloatPointer zero = new FloatPointer(0f);
  private DeviceMemory ones;
  private int iteration;
  private int epoch;
  private final long seed;
  private long rngCounter;
  private boolean closed;
  private final Map<Integer, Activations> activationsByRows =
      new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Activations> eldest) {
          if (size() > CACHED_BATCH_SIZES) {
            eldest.getValue().close();
            return true;
          }
          return false;
        }
      };

  private CudaMlpClassifier(Config config, FlatState state) {
    this.config = config;
    this.device = config.device;
    this.layout = config.layout;
    this.seed = state.seed();
    this.rngCounter = state.counter();
    this.iteration = Math.toIntExact(state.iteration());
    this.epoch = Math.toIntExact(state.epoch());
    device.bind();
    int classes = config.classes();
    long length = layout.length();
    DeviceMemory[] made = new DeviceMemory[6];
    BytePointer pinnedStats = null;
    try {
      made[0] = DeviceMemory.of(state.values(), "parameters");
      made[1] = DeviceMemory.zeroed(length * Float.BYTES, "gradients");
      if (config.rule.adam()) {
        made[2] = DeviceMemory.of(state.firstMoment(), "Adam's first moment");
        made[3] = DeviceMemory.of(state.secondMoment(), "Adam's second moment");
      }
      made[4] = DeviceMemory.zeroed(StepStats.bytes(classes), "step statistics");
      made[5] = DeviceMemory.zeroed(Double.BYTES, "the gradient's sum of squares");
      pinnedStats = new BytePointer();
      CudaStatus.check(cudaMallocHost(pinnedStats, StepStats.bytes(classes)), "cudaMallocHost");
      pinnedStats.capacity(StepStats.bytes(classes)).limit(StepStats.bytes(classes));
    } catch (RuntimeException | Error e) {
      for (DeviceMemory memory : made) {
        if (memory != null) {
          memory.close();
        }
      }
      throw e;
    }
    this.values = made[0];
    this.gradients = made[1];
    this.firstMoment = made[2];
    this.secondMoment = made[3];
    this.stats = made[4];
    this.scratch = made[5];
    this.hostStats = pinnedStats;
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
  public Step<CudaMlpClassifier, ClassificationMetrics> trainStep(DeviceBatch batch) {
    return Step.of(this, run(batch, true));
  }

  @Override
  public Step<CudaMlpClassifier, ClassificationMetrics> evalStep(DeviceBatch batch) {
    return Step.of(this, run(batch, false));
  }

  private ClassificationMetrics run(DeviceBatch batch, boolean training) {
    checkBatch(batch);
    device.bind();
    CUstream_st stream = device.trainingStream();
    CudaStatus.checkBlas(
        cublasSetMathMode(
            device.blas(), config.tensorFloat32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
        "cublasSetMathMode");
    int rows = batch.rows();
    Activations buffers = activationsFor(rows);
    CudaStatus.check(cudaMemsetAsync(stats.pointer(), 0, stats.bytes(), stream), "cudaMemsetAsync");
    boolean dropout = training && config.dropout > 0;
    // One draw per hidden layer and step: restoring rng/seed and rng/counter restores them.
    long firstDraw = dropout ? rngCounter++ * layout.layers() : -1;
    forward(batch.featuresAddress(), rows, buffers, firstDraw);
    int classes = config.classes();
    device.kernels().get(KernelSource.SOFTMAX_CROSS_ENTROPY)
        .pointer(buffers.activations[layout.layers() - 1].address())
        .pointer(batch.labelsAddress()).i32(batch.labelBytes()).i64(rows).i32(classes)
        .pointer(stats.address()).pointer(stats.address() + StepStats.confusionOffset())
        .i32(training ? 1 : 0).f32((float) (1.0 / rows))
        .launch((rows + KernelSource.BLOCK - 1) / KernelSource.BLOCK, stream);
    if (training) {
      backward(batch.featuresAddress(), rows, buffers);
      update();
    }
    CudaStatus.check(
        cudaMemcpyAsync(hostStats, stats.pointer(), stats.bytes(), cudaMemcpyDeviceToHost, stream),
        "cudaMemcpyAsync(statistics to the host)");
    CudaStatus.check(cudaStreamSynchronize(stream), "cudaStreamSynchronize(training stream)");
    return StepStats.metrics(hostStats.asByteBuffer(), classes, rows);
  }

  /** Runs the layers; the last activation buffer holds the logits. */
  private void forward(long features, int rows, Activations buffers, long firstDraw) {
    Kernels kernels = device.kernels();
    CUstream_st stream = device.trainingStream();
    int[] sizes = config.sizes;
    int layers = layout.layers();
    long in = features;
    for (int l = 0; l < layers; l++) {
      DeviceMemory out = buffers.activations[l];
      gemm(false, false, rows, sizes[l + 1], sizes[l], in, sizes[l],
          values.floatAt(layout.weight(l).offset()), sizes[l + 1], out.address(), sizes[l + 1]);
      long n = (long) rows * sizes[l + 1];
      kernels.get(KernelSource.BIAS_ACTIVATION)
          .pointer(out.address()).pointer(values.floatAt(layout.bias(l).offset()))
          .i64(rows).i32(sizes[l + 1]).i32(l < layers - 1 ? 1 : 0)
          .launch(kernels.blocksFor(n), stream);
      if (firstDraw >= 0 && l < layers - 1) {
        double keep = 1 - config.dropout;
        kernels.get(KernelSource.DROPOUT)
            .pointer(out.address()).pointer(buffers.masks[l].address()).i64(n)
            .i64(seed).i64(firstDraw + l).f32((float) keep).f32((float) (1 / keep))
            .launch(kernels.blocksFor(n), stream);
      }
      in = out.address();
    }
  }

  /** Backpropagates the mean cross-entropy (the logits buffer already holds its gradient). */
  private void backward(long features, int rows, Activations buffers) {
    Kernels kernels = device.kernels();
    int[] sizes = config.sizes;
    int layers = layout.layers();
    long delta = buffers.activations[layers - 1].address();
    for (int l = layers - 1; l >= 0; l--) {
      long previous = l == 0 ? features : buffers.activations[l - 1].address();
      int in = sizes[l];
      int out = sizes[l + 1];
      // dW = previous^T * delta; db = ones^T * delta; previousDelta = delta * W^T.
      gemm(true, false, in, out, rows, previous, in, delta, out,
          gradients.floatAt(layout.weight(l).offset()), out);
      gemm(false, false, 1, out, rows, ones.address(), rows, delta, out,
          gradients.floatAt(layout.bias(l).offset()), out);
      if (l > 0) {
        DeviceMemory previousDelta = buffers.deltas[l - 1];
        gemm(false, true, rows, in, out, delta, out, values.floatAt(layout.weight(l).offset()), out,
            previousDelta.address(), in);
        long n = (long) rows * in;
        kernels.get(KernelSource.HIDDEN_BACKWARD)
            .pointer(previousDelta.address()).pointer(buffers.activations[l - 1].address())
            .pointer(buffers.masks.length > 0 ? buffers.masks[l - 1].address() : 0).i64(n)
            .launch(kernels.blocksFor(n), device.trainingStream());
        delta = previousDelta.address();
      }
    }
  }

  /** Clipping, the updater, weight decay and the subtraction, as the host Optimizer orders them. */
  private void update() {
    Kernels kernels = device.kernels();
    CUstream_st stream = device.trainingStream();
    long n = layout.length();
    int blocks = kernels.blocksFor(n);
    Clipping clipping = config.clipping;
    if (clipping.active() && clipping.byNorm()) {
      CudaStatus.check(cudaMemsetAsync(scratch.pointer(), 0, Double.BYTES, stream), "cudaMemsetAsync");
      kernels.get(KernelSource.SUM_OF_SQUARES)
          .pointer(gradients.address()).i64(n).pointer(scratch.address()).launch(blocks, stream);
      kernels.get(KernelSource.SCALE_TO_NORM)
          .pointer(gradients.address()).i64(n).pointer(scratch.address()).f64(clipping.limit())
          .launch(blocks, stream);
    } else if (clipping.active()) {
      kernels.get(KernelSource.CLIP_VALUE)
          .pointer(gradients.address()).i64(n).f32((float) clipping.limit()).launch(blocks, stream);
    }
    double learningRate = config.rule.learningRate().at(iteration, epoch);
    boolean decay = config.weightDecay > 0;
    if (config.rule.adam()) {
      UpdateRule rule = config.rule;
      kernels.get(KernelSource.ADAM)
          .pointer(values.address()).pointer(gradients.address())
          .pointer(firstMoment.address()).pointer(secondMoment.address()).i64(n)
          .f32((float) rule.beta1()).f32((float) rule.beta2()).f32((float) rule.epsilon())
          .f32(rule.adamStepSize(iteration, epoch)).i32(decay ? 0 : 1)
          .launch(blocks, stream);
    } else {
      kernels.get(KernelSource.SGD)
          .pointer(values.address()).pointer(gradients.address()).i64(n)
          .f32((float) learningRate).i32(decay ? 0 : 1)
          .launch(blocks, stream);
    }
    if (decay) {
      for (MlpLayout.Slot slot : layout.slots()) {
        if (slot.weight()) {
          kernels.get(KernelSource.WEIGHT_DECAY)
              .pointer(gradients.floatAt(slot.offset())).pointer(values.floatAt(slot.offset()))
              .i64(slot.length()).f32((float) (config.weightDecay * learningRate))
              .launch(kernels.blocksFor(slot.length()), stream);
        }
      }
      kernels.get(KernelSource.SUBTRACT)
          .pointer(values.address()).pointer(gradients.address()).i64(n).launch(blocks, stream);
    }
    iteration++;
  }

  /**
   * C[m, n] = op(A) * op(B) for row-major matrices (leading dimension = stored row length),
   * as cuBLAS's column-major C^T = op(B)^T * op(A)^T.
   */
  private void gemm(
      boolean transposeA, boolean transposeB, int m, int n, int k, long a, int lda, long b,
      int ldb, long c, int ldc) {
    CudaStatus.checkBlas(
        cublasSgemm_v2(
            device.blas(), transposeB ? CUBLAS_OP_T : CUBLAS_OP_N,
            transposeA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, one, DevicePointers.floatsAt(b), ldb,
            DevicePointers.floatsAt(a), lda, zero, DevicePointers.floatsAt(c), ldc),
        "cublasSgemm");
  }

  private Activations activationsFor(int rows) {
    Activations buffers = activationsByRows.get(rows);
    if (buffers == null) {
      buffers = new Activations(rows, config.sizes, config.dropout > 0);
      activationsByRows.put(rows, buffers);
    }
    if (ones == null || ones.bytes() < (long) rows * Float.BYTES) {
      float[] filled = new float[rows];
      Arrays.fill(filled, 1f);
      DeviceMemory grown = DeviceMemory.of(filled, "a row of ones");
      if (ones != null) {
        ones.close();
      }
      ones = grown;
    }
    return buffers;
  }

  private void checkBatch(DeviceBatch batch) {
    if (closed) {
      throw new IllegalStateException("this model is closed");
    }
    if (batch.device() != device) {
      throw new IllegalArgumentException(
          "the batch lives on " + batch.device() + ", the model on " + device);
    }
    if (batch.width() != config.sizes[0]) {
      throw new IllegalArgumentException(
          "features must be [rows, " + config.sizes[0] + "] but were [" + batch.rows() + ", "
              + batch.width() + "]; build the model with inputs(" + batch.width() + ")");
    }
    if (batch.classes() != config.classes()) {
      throw new IllegalArgumentException(
          "the batch's labels were checked against " + batch.classes() + " classes, the model has "
              + config.classes() + "; upload with DeviceColumns(..., " + config.classes() + ")");
    }
    if (batch.rows() < 1) {
      throw new IllegalArgumentException("a batch needs at least one row");
    }
  }

  /**
   * The layer sizes, from inputs to classes.
   *
   * @return a copy of the sizes
   */
  public int[] layerSizes() {
    return config.sizes.clone();
  }

  /**
   * The number of optimizer steps applied so far.
   *
   * @return the iteration
   */
  public int iteration() {
    return iteration;
  }

  /**
   * Sets the epoch that epoch-based learning-rate schedules see, as
   * {@code Optimizer.setEpoch} does for the CPU model.
   *
   * @param epoch the epoch, from 0
   */
  public void setEpoch(int epoch) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, was " + epoch);
    }
    this.epoch = epoch;
  }

  /**
   * The device this model lives on.
   *
   * @return the device
   */
  public CudaDevice device() {
    return device;
  }

  /**
   * Copies the state from the device in its flat layout (needs no ND4J).
   *
   * @return the state
   */
  FlatState flatState() {
    if (closed) {
      throw new IllegalStateException("this model is closed");
    }
    device.bind();
    CudaStatus.check(cudaStreamSynchronize(device.trainingStream()), "cudaStreamSynchronize");
    int length = Math.toIntExact(layout.length());
    return new FlatState(
        values.readFloats(length),
        firstMoment == null ? null : firstMoment.readFloats(length),
        secondMoment == null ? null : secondMoment.readFloats(length),
        iteration, epoch, seed, rngCounter);
  }

  /**
   * The state as named arrays with the CPU model's names, copied from the device. Needs an
   * ND4J backend on the class path (named arrays are ND4J arrays).
   */
  @Override
  public NamedArrays state() {
    return StateArrays.toNamedArrays(layout, flatState());
  }

  /**
   * A new model on the same device with the same configuration, holding a copy of the given
   * state (from this model or from an {@code MlpClassifier} of the same shape and updater);
   * this model is left unchanged.
   */
  @Override
  public CudaMlpClassifier withState(NamedArrays state) {
    return new CudaMlpClassifier(config, StateArrays.fromNamedArrays(layout, state, config.rule.adam()));
  }

  /** Frees the model's device and pinned memory; later calls do nothing. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    device.bind();
    cudaStreamSynchronize(device.trainingStream());
    closed = true;
    activationsByRows.values().forEach(Activations::close);
    activationsByRows.clear();
    for (DeviceMemory memory :
        new DeviceMemory[] {values, gradients, firstMoment, secondMoment, stats, scratch, ones}) {
      if (memory != null) {
        memory.close();
      }
    }
    cudaFreeHost(hostStats);
    one.close();
    zero.close();
  }

  @Override
  public String toString() {
    return "CudaMlpClassifier" + Arrays.toString(config.sizes) + "{" + device + ", "
        + (config.rule.adam() ? "Adam" : "Sgd") + ", dropout=" + config.dropout + ", iteration="
        + iteration + "}";
  }

  /** The activation, delta and mask buffers of one batch size. */
  private static final class Activations implements AutoCloseable {
    final DeviceMemory[] activations;
    final DeviceMemory[] deltas;
    final DeviceMemory[] masks;

    Activations(int rows, int[] sizes, boolean dropout) {
      int layers = sizes.length - 1;
      activations = new DeviceMemory[layers];
      deltas = new DeviceMemory[layers - 1];
      masks = new DeviceMemory[dropout ? layers - 1 : 0];
      try {
        for (int l = 0; l < layers; l++) {
          long bytes = (long) rows * sizes[l + 1] * Float.BYTES;
          activations[l] = DeviceMemory.zeroed(bytes, "activations");
          if (l < layers - 1) {
            deltas[l] = DeviceMemory.zeroed(bytes, "deltas");
            if (dropout) {
              masks[l] = DeviceMemory.zeroed(bytes, "dropout masks");
            }
          }
        }
      } catch (RuntimeException | Error e) {
        close();
        throw e;
      }
    }

    @Override
    public void close() {
      for (DeviceMemory[] group : new DeviceMemory[][] {activations, deltas, masks}) {
        for (DeviceMemory memory : group) {
          if (memory != null) {
            memory.close();
          }
        }
      }
    }
  }

  /** What a model is, shared by the models {@link #withState} makes. */
  private record Config(
      CudaDevice device, MlpLayout layout, int[] sizes, UpdateRule rule, Clipping clipping,
      double weightDecay, double dropout, boolean tensorFloat32) {
    int classes() {
      return sizes[sizes.length - 1];
    }
  }

  /**
   * Configures a {@link CudaMlpClassifier}: {@code MlpClassifier.Builder}'s options plus the
   * device. Required: {@link #device}, {@link #inputs} and {@link #classes}. Defaults: no hidden
   * layer, {@code Adam(1e-3)}, no clipping, no dropout, FLOAT, seed 0, float32 matrix
   * products (no TF32).
   */
  public static final class Builder {
    private CudaDevice device;
    private int inputs;
    private int[] hidden = new int[0];
    private int classes;
    private UpdateRule rule = UpdateRule.adam(UpdateRule.ADAM_LEARNING_RATE);
    private UpdateRule.LearningRate schedule;
    private Clipping clipping = Clipping.NONE;
    private double weightDecay;
    private double dropout;
    private long seed;
    private boolean tensorFloat32;

    private Builder() {}

    /**
     * The device the model lives on.
     *
     * @param device an open device
     * @return this builder
     */
    public Builder device(CudaDevice device) {
      this.device = Objects.requireNonNull(device, "device");
      return this;
    }

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
     * The updater: ND4J's {@code Adam} (its learning rate or schedule, betas and epsilon) or
     * {@code Sgd}.
     *
     * @param updater the updater configuration (copied)
     * @return this builder
     * @throws IllegalArgumentException for other updaters, which have no device kernel
     */
    public Builder updater(IUpdater updater) {
      Objects.requireNonNull(updater, "updater");
      if (updater.getClass() == Adam.class) {
        Adam adam = (Adam) updater.clone();
        this.rule = new UpdateRule(true, adam::getLearningRate, adam.getBeta1(), adam.getBeta2(), adam.getEpsilon());
      } else if (updater.getClass() == Sgd.class) {
        Sgd sgd = (Sgd) updater.clone();
        this.rule = new UpdateRule(false, sgd::getLearningRate, 0, 0, 0);
      } else {
        throw new IllegalArgumentException(
            "the CUDA model has kernels for Adam and Sgd, not " + updater.getClass().getSimpleName()
                + "; use MlpClassifier for other updaters");
      }
      return this;
    }

    /**
     * Clips the global L2 norm of the gradient (all parameters together) to this value, as
     * {@code GradientClipping.byNorm} does on the CPU.
     *
     * @param maxNorm positive and finite
     * @return this builder
     */
    public Builder clipByNorm(double maxNorm) {
      this.clipping = new Clipping(true, positiveLimit(maxNorm, "clipByNorm"));
      return this;
    }

    /**
     * Clamps every gradient value to [-limit, limit], as {@code GradientClipping.byValue} does
     * on the CPU.
     *
     * @param limit positive and finite
     * @return this builder
     */
    public Builder clipByValue(double limit) {
      this.clipping = new Clipping(false, positiveLimit(limit, "clipByValue"));
      return this;
    }

    /**
     * A learning-rate schedule replacing the updater's rate, evaluated on the host before each
     * step at (iteration, epoch).
     *
     * @param schedule the schedule
     * @return this builder
     */
    public Builder schedule(ISchedule schedule) {
      ISchedule copy = Objects.requireNonNull(schedule, "schedule").clone();
      this.schedule = copy::valueAt;
      return this;
    }

    /**
     * Decoupled weight decay on the weights (AdamW with the Adam updater).
     *
     * @param coefficient at least 0
     * @return this builder
     */
    public Builder weightDecay(double coefficient) {
      if (!(coefficient >= 0) || Double.isInfinite(coefficient)) {
        throw new IllegalArgumentException("weightDecay must be >= 0, was " + coefficient);
      }
      this.weightDecay = coefficient;
      return this;
    }

    /**
     * Inverted dropout on the hidden activations during training (masks drawn on the device).
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
     * The parameters' data type: FLOAT only on the device.
     *
     * @param dataType FLOAT
     * @return this builder
     * @throws IllegalArgumentException for any other type
     */
    public Builder dataType(DataType dataType) {
      if (Objects.requireNonNull(dataType, "dataType") != DataType.FLOAT) {
        throw new IllegalArgumentException(
            "the CUDA model trains in FLOAT, not " + dataType
                + "; use MlpClassifier for DOUBLE (gradient checks)");
      }
      return this;
    }

    /**
     * The seed of the initial weights and of the dropout masks.
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Lets cuBLAS use TF32 tensor cores for the matrix products (10-bit mantissa inputs,
     * float32 accumulation): much faster on Ampere and later, not float32-exact.
     *
     * @param enabled true for TF32
     * @return this builder
     */
    public Builder tensorFloat32(boolean enabled) {
      this.tensorFloat32 = enabled;
      return this;
    }

    /**
     * Allocates the model on the device: He-normal weights for the ReLU layers,
     * Xavier-uniform for the output layer, zero biases (drawn on the host from the seed).
     *
     * @return the model
     * @throws IllegalStateException when device, inputs or classes were not set
     */
    public CudaMlpClassifier build() {
      if (device == null || inputs == 0 || classes == 0) {
        throw new IllegalStateException(
            "set device(...), inputs(...) and classes(...) before build(), for example "
                + "CudaMlpClassifier.builder().device(CudaDevice.open(0)).inputs(64).hidden(128)"
                + ".classes(10).build()");
      }
      int[] sizes = new int[hidden.length + 2];
      sizes[0] = inputs;
      System.arraycopy(hidden, 0, sizes, 1, hidden.length);
      sizes[sizes.length - 1] = classes;
      MlpLayout layout = new MlpLayout(sizes);
      UpdateRule chosen = schedule == null ? rule : rule.withLearningRate(schedule);
      Config config =
          new Config(device, layout, sizes, chosen, clipping, weightDecay, dropout, tensorFloat32);
      int length = Math.toIntExact(layout.length());
      FlatState initial =
          new FlatState(
              HostInitializer.initialValues(layout, seed),
              chosen.adam() ? new float[length] : null, chosen.adam() ? new float[length] : null,
              0, 0, seed, 0);
      return new CudaMlpClassifier(config, initial);
    }

    private static int positive(int value, String what) {
      if (value < 1) {
        throw new IllegalArgumentException(what + " must be at least 1, was " + value);
      }
      return value;
    }

    private static double positiveLimit(double limit, String method) {
      if (!(limit > 0) || Double.isInfinite(limit)) {
        throw new IllegalArgumentException(method + " needs a positive finite limit, was " + limit);
      }
      return limit;
    }
  }
}
