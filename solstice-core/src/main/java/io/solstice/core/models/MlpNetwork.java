package io.solstice.core.models;

import io.solstice.core.NamedArrays;
import io.solstice.core.NonFiniteFeaturesException;
import io.solstice.core.nd4j.FiniteValues;
import io.solstice.core.nd4j.HostGemm;
import io.solstice.core.nd4j.HostMatrix;
import io.solstice.core.nd4j.Initializer;
import io.solstice.core.nd4j.Optimizer;
import io.solstice.core.nd4j.Parameters;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The body both MLP models share: dense layers with ReLU (and optional inverted dropout)
 * between them and a linear last layer, the parameters and optimizer that train them, the
 * per-batch-size buffers, and the state they expose. The models add what differs, their loss:
 * they read the raw outputs of {@link #forward}, write the loss gradient with respect to those
 * outputs into the same buffer, and call {@link #backward} and {@link #step}.
 *
 * <p>Thread safety: not thread-safe; one model drives it from one thread.
 */
final class MlpNetwork {

  /** Batch sizes whose buffers are kept; a training run usually sees two (full and last). */
  private static final int CACHED_BATCH_SIZES = 4;

  private final int[] sizes;
  private final double dropout;
  private final Parameters parameters;
  // Each layer's parameters and gradients, looked up once (by name, then their shape and memory):
  // looked up on every step, they were most of a small model's step (see HostMatrix).
  private final HostMatrix[] weights;
  private final HostMatrix[] biases;
  private final HostMatrix[] weightGradients;
  private final HostMatrix[] biasGradients;
  /** Where the first layer's weight gradient starts in the flat gradient, for its tiles. */
  private final long firstWeightGradientOffset;
  private final Optimizer optimizer;
  private final long seed;
  private long rngCounter;
  private MlpBuffers lastBuffers;
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

  private MlpNetwork(
      int[] sizes, double dropout, Parameters parameters, Optimizer optimizer, long seed, long rngCounter) {
    this.sizes = sizes;
    this.dropout = dropout;
    this.parameters = parameters;
    int layers = sizes.length - 1;
    this.weights = new HostMatrix[layers];
    this.biases = new HostMatrix[layers];
    this.weightGradients = new HostMatrix[layers];
    this.biasGradients = new HostMatrix[layers];
    for (int l = 0; l < layers; l++) {
      weights[l] = HostMatrix.of(parameters.get(weightName(l)));
      biases[l] = HostMatrix.of(parameters.get(biasName(l)));
      weightGradients[l] = HostMatrix.of(parameters.gradient(weightName(l)));
      biasGradients[l] = HostMatrix.of(parameters.gradient(biasName(l)));
    }
    this.firstWeightGradientOffset = parameters.offset(weightName(0));
    this.optimizer = optimizer;
    this.seed = seed;
    this.rngCounter = rngCounter;
  }

  /**
   * A new network: He-normal weights for the ReLU layers, Xavier-uniform for the last layer,
   * zero biases.
   */
  static MlpNetwork create(int[] sizes, double dropout, DataType dataType, long seed, OptimizerSettings optimizer) {
    Parameters.Builder params = Parameters.builder().dataType(dataType).seed(seed);
    for (int l = 0; l < sizes.length - 1; l++) {
      boolean last = l == sizes.length - 2;
      params.weight(weightName(l), last ? Initializer.xavierUniform() : Initializer.heNormal(), sizes[l], sizes[l + 1]);
      params.bias(biasName(l), Initializer.zeros(), 1, sizes[l + 1]);
    }
    Parameters parameters = params.build();
    return new MlpNetwork(sizes.clone(), dropout, parameters, optimizer.build(parameters), seed, 0);
  }

  /**
   * Runs the layers into the buffers of this batch size. The last activation holds the raw
   * outputs (logits for a classifier).
   *
   * @param refuseNonFinite whether a NaN or an infinity among the features is refused, with a
   *     {@link NonFiniteFeaturesException} thrown before anything of the network has changed
   */
  MlpBuffers forward(INDArray features, boolean training, boolean refuseNonFinite) {
    checkFeatures(features);
    MlpBuffers buffers = buffersFor(features.shape()[0]);
    HostMatrix in = input(features, buffers);
    buffers.source = in;
    SplittableRandom dropoutRandom = null;
    int layers = layers();
    for (int l = 0; l < layers; l++) {
      HostMatrix out = buffers.activations[l];
      HostGemm.gemm(in, weights[l], out, false, false, 1.0, 0.0);
      if (!HostActivations.addBias(out, biases[l])) {
        out.array().addiRowVector(biases[l].array());
      }
      if (l == 0) {
        if (refuseNonFinite) {
          refuseNonFiniteFeatures(out, features);
        }
        // One generator per step, seeded from (seed, counter): restoring both restores the masks.
        // Made once the batch is accepted, so that a refused one leaves the counter as it was.
        if (training && dropout > 0) {
          dropoutRandom = new SplittableRandom(mix(seed, rngCounter++));
        }
      }
      if (l < layers - 1) {
        if (!HostActivations.relu(out)) {
          Nd4j.exec(new RectifiedLinear(out.array(), out.array(), 0.0));
        }
        if (dropoutRandom != null) {
          INDArray mask = buffers.masks[l];
          DropoutMask.fill(mask, 1 - dropout, dropoutRandom);
          out.array().muli(mask);
        }
      }
      in = out;
    }
    return buffers;
  }

  /**
   * Throws when the features hold a NaN or an infinity, judged from the first layer's output
   * before its activation, which is in the caches, rather than from the features, which may not
   * be. A NaN or an infinity among a row's features makes every output of that row NaN or
   * infinite: its product with any weight is (infinity times zero is NaN), and so is any sum
   * with such a term. The converse does not hold (huge finite features can overflow, and so can
   * weights that diverged), so an output that is not finite sends the check to the features
   * themselves; finite ones are left to the step, whose loss tells.
   */
  private static void refuseNonFiniteFeatures(HostMatrix firstLayer, INDArray features) {
    if (FiniteValues.allFinite(firstLayer)) {
      return;
    }
    String found = FiniteValues.nonFinite(features);
    if (found != null) {
      throw new NonFiniteFeaturesException(found);
    }
  }

  /** The raw outputs of the last forward pass into these buffers, [rows, outputs]. */
  static INDArray outputs(MlpBuffers buffers) {
    return outputMatrix(buffers).array();
  }

  /** {@link #outputs} as a matrix. */
  static HostMatrix outputMatrix(MlpBuffers buffers) {
    return buffers.activations[buffers.activations.length - 1];
  }

  /**
   * Backpropagates through the layers, writing every parameter's gradient. Expects the loss
   * gradient with respect to the outputs in {@link #outputs}'s buffer, and consumes it.
   */
  void backward(MlpBuffers buffers) {
    backward(buffers, true);
  }

  /**
   * {@link #backward} then {@link #step}, with the same result bit for bit, except that the first
   * layer's weight gradient is made inside the update, in tiles, where that pays ({@link
   * FirstLayerTiles}).
   */
  void backwardAndStep(MlpBuffers buffers) {
    HostMatrix features = buffers.source;
    HostMatrix firstDelta = layers() > 1 ? buffers.deltas[0] : outputMatrix(buffers);
    FirstLayerTiles tiles = FirstLayerTiles.of(features, firstDelta, weightGradients[0], firstWeightGradientOffset,
        optimizer);
    backward(buffers, tiles == null);
    if (tiles == null) {
      step();
    } else {
      optimizer.step(tiles);
    }
  }

  private void backward(MlpBuffers buffers, boolean firstWeightGradient) {
    int layers = layers();
    HostMatrix delta = outputMatrix(buffers);
    for (int l = layers - 1; l >= 0; l--) {
      HostMatrix previous = l == 0 ? buffers.source : buffers.activations[l - 1];
      if (l > 0 || firstWeightGradient) {
        HostGemm.gemm(previous, delta, weightGradients[l], true, false, 1.0, 0.0);
      }
      HostGemm.gemm(buffers.ones, delta, biasGradients[l], false, false, 1.0, 0.0);
      if (l > 0) {
        HostMatrix previousDelta = buffers.deltas[l - 1];
        HostGemm.gemm(delta, weights[l], previousDelta, false, true, 1.0, 0.0);
        if (buffers.masks.length > 0) {
          previousDelta.array().muli(buffers.masks[l - 1]);
        }
        // ReLU' from the (post-dropout) activation: positive exactly where the unit was live.
        if (!HostActivations.reluBackward(buffers.activations[l - 1], previousDelta)) {
          INDArray activation = buffers.activations[l - 1].array();
          Nd4j.exec(new RectifiedLinearDerivative(activation, previousDelta.array(), previousDelta.array()));
        }
        delta = previousDelta;
      }
    }
    buffers.source = null;
  }

  /** Applies the optimizer to the gradients {@link #backward} wrote. */
  void step() {
    optimizer.step();
  }

  Parameters parameters() {
    return parameters;
  }

  Optimizer optimizer() {
    return optimizer;
  }

  int[] sizes() {
    return sizes.clone();
  }

  int inputs() {
    return sizes[0];
  }

  int outputs() {
    return sizes[sizes.length - 1];
  }

  double dropout() {
    return dropout;
  }

  /** Adds the parameters, the optimizer state and the dropout generator's state. */
  void putState(NamedArrays.Builder out) {
    parameters.asNamedArrays().asMap().forEach(out::put);
    optimizer.state().asMap().forEach(out::put);
    out.scalar("rng/seed", seed).scalar("rng/counter", rngCounter);
  }

  /** A new network of the same shape and optimizer configuration holding copies of the state. */
  MlpNetwork withState(NamedArrays state) {
    Parameters restored = parameters.copy();
    restored.load(state);
    Optimizer restoredOptimizer = optimizer.forParameters(restored);
    restoredOptimizer.loadState(state);
    return new MlpNetwork(sizes, dropout, restored, restoredOptimizer, state.getLong("rng/seed"),
        state.getLong("rng/counter"));
  }

  /** For models' {@code toString}: sizes, type, dropout and iteration. */
  String describe() {
    return Arrays.toString(sizes) + "{" + parameters.dataType() + ", dropout=" + dropout + ", iteration="
        + optimizer.iteration() + "}";
  }

  private int layers() {
    return sizes.length - 1;
  }

  private HostMatrix input(INDArray features, MlpBuffers buffers) {
    if (features.dataType() == parameters.dataType()) {
      return HostMatrix.of(features);
    }
    buffers.input.array().assign(features);
    return buffers.input;
  }

  private MlpBuffers buffersFor(long rows) {
    // The last batch's size, most often the next one's: no boxed key, no lookup.
    if (lastBuffers != null && lastBuffers.rows == rows) {
      return lastBuffers;
    }
    MlpBuffers buffers = buffersBySize.get(rows);
    if (buffers == null) {
      // Kept across steps, so never inside a workspace the caller may have open.
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        buffers = new MlpBuffers(rows, sizes, parameters.dataType(), dropout > 0);
      }
      buffersBySize.put(rows, buffers);
    }
    lastBuffers = buffers;
    return buffers;
  }

  private void checkFeatures(INDArray features) {
    if (features.rank() != 2 || features.shape()[1] != inputs()) {
      throw new IllegalArgumentException(
          "features must be [rows, " + inputs() + "] but were " + Arrays.toString(features.shape())
              + "; reshape them or build the model with inputs(" + features.size(-1) + ")");
    }
    if (features.shape()[0] < 1) {
      throw new IllegalArgumentException("a batch needs at least one row");
    }
    if (!features.dataType().isFPType()) {
      throw new IllegalArgumentException("features must be floating point, were " + features.dataType());
    }
  }

  /** SplitMix64 of seed and counter: distinct, well-spread seeds for consecutive steps. */
  private static long mix(long seed, long counter) {
    long z = seed + (counter + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static String weightName(int layer) {
    return "layer" + layer + "/W";
  }

  static String biasName(int layer) {
    return "layer" + layer + "/b";
  }
}
