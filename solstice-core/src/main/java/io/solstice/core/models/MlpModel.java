package io.solstice.core.models;

import io.solstice.core.nd4j.Optimizer;
import io.solstice.core.nd4j.Parameters;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the MLP models expose of the network they share: its parameters, its optimizer and its
 * layer sizes. The models add their loss, their metrics and their state.
 *
 * <p>Thread safety: that of the model that extends it.
 */
abstract class MlpModel {
  /** The layers, parameters, optimizer and buffers. */
  final MlpNetwork network;

  MlpModel(MlpNetwork network) {
    this.network = network;
  }

  /**
   * The parameters, updated in place by each training step.
   *
   * @return the parameters
   */
  public Parameters parameters() {
    return network.parameters();
  }

  /**
   * The optimizer (for its learning rate, iteration, or {@link Optimizer#setEpoch} for
   * epoch-based schedules).
   *
   * @return the optimizer
   */
  public Optimizer optimizer() {
    return network.optimizer();
  }

  /**
   * The layer sizes, from inputs to outputs, for example [64, 128, 10].
   *
   * @return a copy of the sizes
   */
  public int[] layerSizes() {
    return network.sizes();
  }

  /**
   * The weights of a dense layer, [inputs of the layer, outputs of the layer]: the layer
   * computes {@code x W + b}, with ReLU after every layer but the last. For exporters.
   *
   * @param layer the layer, from 0 to {@code layerSizes().length - 2}
   * @return the live weights (read them, do not modify them)
   */
  public INDArray weights(int layer) {
    return network.parameters().get(MlpNetwork.weightName(checkLayer(layer)));
  }

  /**
   * The biases of a dense layer, [1, outputs of the layer] (see {@link #weights(int)}).
   *
   * @param layer the layer, from 0 to {@code layerSizes().length - 2}
   * @return the live biases (read them, do not modify them)
   */
  public INDArray biases(int layer) {
    return network.parameters().get(MlpNetwork.biasName(checkLayer(layer)));
  }

  private int checkLayer(int layer) {
    int layers = network.sizes().length - 1;
    if (layer < 0 || layer >= layers) {
      throw new IllegalArgumentException("layer " + layer + " does not exist; the model has layers 0 to "
          + (layers - 1));
    }
    return layer;
  }
}
