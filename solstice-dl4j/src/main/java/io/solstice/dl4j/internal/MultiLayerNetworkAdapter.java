package io.solstice.dl4j.internal;

import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A {@link MultiLayerNetwork} as a {@link Network}.
 *
 * <p>Thread safety: not thread-safe; it drives its network from one thread at a time.
 *
 * @param network the initialised network
 */
public record MultiLayerNetworkAdapter(MultiLayerNetwork network) implements Network {

  @Override
  public INDArray output(INDArray features) {
    return network.output(features, false);
  }

  @Override
  public void fit(INDArray features, INDArray labels) {
    network.fit(features, labels);
  }

  @Override
  public double lastScore() {
    return network.score();
  }

  @Override
  public double score(INDArray features, INDArray labels) {
    return network.score(new DataSet(features, labels), false);
  }

  @Override
  public INDArray params() {
    return network.params();
  }

  @Override
  public INDArray updaterState() {
    Updater updater = network.getUpdater(true);
    return updater == null ? null : updater.getStateViewArray();
  }

  @Override
  public int iteration() {
    return network.getIterationCount();
  }

  @Override
  public void setIteration(int iteration) {
    network.setIterationCount(iteration);
  }

  @Override
  public int epoch() {
    return network.getEpochCount();
  }

  @Override
  public void setEpoch(int epoch) {
    network.setEpochCount(epoch);
  }
}
