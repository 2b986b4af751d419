package io.solstice.core.models;

import io.solstice.core.nd4j.Optimizer;
import io.solstice.core.nd4j.Parameters;

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
}
