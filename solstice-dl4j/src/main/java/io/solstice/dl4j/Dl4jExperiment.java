package io.solstice.dl4j;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.Step;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.dl4j.internal.ComputationGraphAdapter;
import io.solstice.dl4j.internal.MultiLayerNetworkAdapter;
import io.solstice.dl4j.internal.Network;
import java.util.Arrays;
import java.util.Objects;
import org.deeplearning4j.nn.api.NeuralNetwork;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DL4J classifier ({@link MultiLayerNetwork} or single-input, single-output
 * {@link ComputationGraph}) run as a Solstice experiment: moving a network into Solstice's
 * pipeline takes one line.
 *
 * <pre>{@code
 * MultiLayerNetwork network = new MultiLayerNetwork(configuration);
 * network.init();
 * Dl4jExperiment experiment = Dl4jExperiment.of(network);
 * // then train it with the engine, or by hand:
 * experiment = experiment.trainStep(batch).experiment();
 * }</pre>
 *
 * <p>Each {@link #trainStep} is one {@code fit} of the network on the batch. Its metrics
 * combine the network's inference-mode output on the batch, taken just before the fit (so
 * they describe the parameters the gradient was computed at, at the price of one extra
 * forward pass), and the loss DL4J computed during the fit. {@link #evalStep} reports the
 * output and DL4J's score of the batch. Labels arrive as class indices [rows] and are one-hot
 * encoded to the output's width and type; one-hot labels [rows, classes] pass through.
 *
 * <p><b>State.</b> {@code params} is the network's flat parameter vector ({@code params()}),
 * {@code updater} its flat updater state ({@code getUpdater().getStateViewArray()}, absent for
 * stateless updaters such as SGD), and {@code iteration}/{@code epoch} its counters (Adam's
 * bias correction and DL4J's schedules read them). Restoring all of it continues
 * bit-identically.
 *
 * <p><b>In place.</b> The experiment drives the network it was given: steps update it in place
 * and return this experiment, and {@link #withState} loads into the same network and returns
 * it. The network is the user's: keep using it (to save it with {@code ModelSerializer}, for
 * example) after training.
 *
 * <p>Thread safety: not thread-safe; the experiment drives its network from one thread at a
 * time. Experiments over distinct networks share no Solstice state and may train on different
 * threads at once (Dl4jConcurrencyTest).
 */
public final class Dl4jExperiment
    implements Experiment<Dl4jExperiment, TensorBatch, ClassificationMetrics>,
        Checkpointable<Dl4jExperiment> {

  private final Network network;
  private final NeuralNetwork model;

  private Dl4jExperiment(Network network, NeuralNetwork model) {
    this.network = network;
    this.model = model;
  }

  /**
   * Wraps an initialised {@link MultiLayerNetwork}.
   *
   * @param network the network, after {@code init()}
   * @return the experiment
   */
  public static Dl4jExperiment of(MultiLayerNetwork network) {
    Objects.requireNonNull(network, "network");
    checkInitialised(network.params(), "network.init()");
    return new Dl4jExperiment(new MultiLayerNetworkAdapter(network), network);
  }

  /**
   * Wraps an initialised {@link ComputationGraph} with one input and one output.
   *
   * @param graph the graph, after {@code init()}
   * @return the experiment
   * @throws IllegalArgumentException when the graph has several inputs or outputs
   */
  public static Dl4jExperiment of(ComputationGraph graph) {
    Objects.requireNonNull(graph, "graph");
    checkInitialised(graph.params(), "graph.init()");
    return new Dl4jExperiment(new ComputationGraphAdapter(graph), graph);
  }

  private static void checkInitialised(INDArray params, String call) {
    if (params == null) {
      throw new IllegalStateException("the network has no parameters yet; call " + call + " first");
    }
  }

  @Override
  public Step<Dl4jExperiment, ClassificationMetrics> trainStep(TensorBatch batch) {
    INDArray features = features(batch);
    INDArray scores = network.output(features);
    INDArray labels = labels(batch.labels(), scores);
    network.fit(features, labels);
    return Step.of(this, ClassificationMetrics.fromScores(scores, batch.labels(), network.lastScore()));
  }

  @Override
  public Step<Dl4jExperiment, ClassificationMetrics> evalStep(TensorBatch batch) {
    INDArray features = features(batch);
    INDArray scores = network.output(features);
    double loss = network.score(features, labels(batch.labels(), scores));
    return Step.of(this, ClassificationMetrics.fromScores(scores, batch.labels(), loss));
  }

  /**
   * The network's inference-mode output.
   *
   * @param features [rows, ...]
   * @return the output [rows, classes]
   */
  public INDArray predict(INDArray features) {
    return network.output(castToNetwork(features));
  }

  /**
   * The wrapped network, a {@link MultiLayerNetwork} or a {@link ComputationGraph}.
   *
   * @return the network, updated in place by training
   */
  public NeuralNetwork network() {
    return model;
  }

  private INDArray features(TensorBatch batch) {
    return castToNetwork(batch.features());
  }

  private INDArray castToNetwork(INDArray features) {
    DataType wanted = network.params().dataType();
    return features.dataType() == wanted ? features : features.castTo(wanted);
  }

  /** One-hot [rows, classes] in the output's type from class indices; one-hot passes through. */
  private static INDArray labels(INDArray labels, INDArray scores) {
    long rows = scores.size(0);
    long classes = scores.size(1);
    if (labels.rank() == 2 && labels.size(1) == classes && classes > 1) {
      return labels.dataType() == scores.dataType() ? labels : labels.castTo(scores.dataType());
    }
    if (labels.length() != rows) {
      throw new IllegalArgumentException(
          "labels must be class indices [" + rows + "] or one-hot [" + rows + ", " + classes
              + "], were " + Arrays.toString(labels.shape()));
    }
    INDArray oneHot = Nd4j.create(scores.dataType(), rows, classes);
    for (int i = 0; i < rows; i++) {
      double label = labels.getDouble(i);
      if (label != Math.rint(label) || label < 0 || label >= classes) {
        throw new IllegalArgumentException(
            "label at row " + i + " is " + label + "; expected a class index in [0, " + classes
                + ") for a network with " + classes + " outputs");
      }
      oneHot.putScalar(i, (long) label, 1.0);
    }
    return oneHot;
  }

  /**
   * {@code params}, {@code updater} (when the updater has state), {@code iteration} and
   * {@code epoch}; live views of the network's arrays ({@link NamedArrays#copy()} snapshots
   * them).
   */
  @Override
  public NamedArrays state() {
    NamedArrays.Builder out = NamedArrays.builder().put("params", network.params());
    INDArray updater = network.updaterState();
    if (updater != null) {
      out.put("updater", updater);
    }
    return out.scalar("iteration", network.iteration()).scalar("epoch", network.epoch()).build();
  }

  /**
   * Copies parameters, updater state and counters into the wrapped network and returns this
   * experiment.
   *
   * @throws IllegalArgumentException naming the array when it is missing or does not fit
   */
  @Override
  public Dl4jExperiment withState(NamedArrays state) {
    INDArray params = network.params();
    params.assign(state.get("params", params.dataType(), params.shape()));
    INDArray updater = network.updaterState();
    if (updater != null) {
      updater.assign(state.get("updater", updater.dataType(), updater.shape()));
    } else if (state.contains("updater")) {
      throw new IllegalArgumentException(
          "the state holds updater state but this network's updater has none; "
              + "configure the same updater as the network that was saved");
    }
    network.setIteration(Math.toIntExact(state.getLong("iteration")));
    network.setEpoch(Math.toIntExact(state.getLong("epoch")));
    return this;
  }
}
