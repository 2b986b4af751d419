package io.solstice.dl4j.internal;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A single-input, single-output {@link ComputationGraph} as a {@link Network}.
 *
 * <p>Thread safety: not thread-safe; it drives its graph from one thread at a time.
 *
 * @param graph the initialised graph
 */
public record ComputationGraphAdapter(ComputationGraph graph) implements Network {

  /**
   * Checks that the graph has exactly one input and one output.
   *
   * @param graph the initialised graph
   */
  public ComputationGraphAdapter {
    if (graph.getNumInputArrays() != 1 || graph.getNumOutputArrays() != 1) {
      throw new IllegalArgumentException(
          "a ComputationGraph experiment needs one input and one output, this graph has "
              + graph.getNumInputArrays() + " inputs and " + graph.getNumOutputArrays()
              + " outputs; merge them in the graph (MergeVertex) or write an Experiment for it");
    }
  }

  @Override
  public INDArray output(INDArray features) {
    return graph.output(false, features)[0];
  }

  @Override
  public void fit(INDArray features, INDArray labels) {
    graph.fit(new INDArray[] {features}, new INDArray[] {labels});
  }

  @Override
  public double lastScore() {
    return graph.score();
  }

  @Override
  public double score(INDArray features, INDArray labels) {
    return graph.score(new DataSet(features, labels), false);
  }

  @Override
  public INDArray params() {
    return graph.params();
  }

  @Override
  public INDArray updaterState() {
    ComputationGraphUpdater updater = graph.getUpdater(true);
    return updater == null ? null : updater.getStateViewArray();
  }

  @Override
  public int iteration() {
    return graph.getIterationCount();
  }

  @Override
  public void setIteration(int iteration) {
    graph.getConfiguration().setIterationCount(iteration);
  }

  @Override
  public int epoch() {
    return graph.getEpochCount();
  }

  @Override
  public void setEpoch(int epoch) {
    graph.getConfiguration().setEpochCount(epoch);
  }
}
