package io.solstice.dl4j.internal;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the experiment needs from a DL4J network: the one seam that lets
 * {@code MultiLayerNetwork} and {@code ComputationGraph} (single input, single output) be
 * driven the same way.
 *
 * <p>Thread safety: implementations are not thread-safe; they drive one DL4J network from one
 * thread at a time.
 */
public interface Network {

  /**
   * Inference-mode output for the features.
   *
   * @param features [rows, ...]
   * @return the output layer's activations [rows, outputs]
   */
  INDArray output(INDArray features);

  /**
   * One fit on one batch: forward, backward, updater, parameter update.
   *
   * @param features [rows, ...]
   * @param labels in the output layer's format, for example one-hot [rows, classes]
   */
  void fit(INDArray features, INDArray labels);

  /**
   * The loss DL4J computed in the last {@link #fit}, regularisation included.
   *
   * @return the score
   */
  double lastScore();

  /**
   * The loss of a batch in inference mode, without changing anything.
   *
   * @param features [rows, ...]
   * @param labels as for {@link #fit}
   * @return the mean loss
   */
  double score(INDArray features, INDArray labels);

  /**
   * The flat parameter vector (a live view).
   *
   * @return the parameters
   */
  INDArray params();

  /**
   * The flat updater state (a live view), or null for a stateless updater such as SGD.
   *
   * @return the updater state or null
   */
  INDArray updaterState();

  /**
   * The network's iteration counter (what DL4J's schedules and Adam's bias correction see).
   *
   * @return the iteration
   */
  int iteration();

  /**
   * Sets the iteration counter.
   *
   * @param iteration the iteration
   */
  void setIteration(int iteration);

  /**
   * The network's epoch counter.
   *
   * @return the epoch
   */
  int epoch();

  /**
   * Sets the epoch counter.
   *
   * @param epoch the epoch
   */
  void setEpoch(int epoch);
}
