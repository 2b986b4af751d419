package io.solstice.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.NamedArrays;
import io.solstice.core.TensorBatch;
import io.solstice.core.data.Digits;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import java.util.List;
import java.util.function.LongFunction;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class Dl4jExperimentTest {

  private final DigitsDataset.Split split = Digits.split();

  /** The usual DL4J digits classifier: 64-128-10, ReLU, softmax, cross-entropy. */
  static MultiLayerNetwork multiLayerNetwork(long seed, IUpdater updater) {
    MultiLayerConfiguration configuration =
        new NeuralNetConfiguration.Builder()
            .seed(seed)
            .updater(updater)
            .weightInit(WeightInit.RELU)
            .list()
            .layer(new DenseLayer.Builder().nIn(64).nOut(128).activation(Activation.RELU).build())
            .layer(
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nIn(128).nOut(10).activation(Activation.SOFTMAX)
                    .weightInit(WeightInit.XAVIER).build())
            .build();
    MultiLayerNetwork network = new MultiLayerNetwork(configuration);
    network.init();
    return network;
  }

  static ComputationGraph computationGraph(long seed) {
    ComputationGraphConfiguration configuration =
        new NeuralNetConfiguration.Builder()
            .seed(seed)
            .updater(new Adam(5e-3))
            .weightInit(WeightInit.RELU)
            .graphBuilder()
            .addInputs("pixels")
            .addLayer("hidden",
                new DenseLayer.Builder().nIn(64).nOut(128).activation(Activation.RELU).build(),
                "pixels")
            .addLayer("digit",
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nIn(128).nOut(10).activation(Activation.SOFTMAX)
                    .weightInit(WeightInit.XAVIER).build(),
                "hidden")
            .setOutputs("digit")
            .build();
    ComputationGraph graph = new ComputationGraph(configuration);
    graph.init();
    return graph;
  }

  private double trainAndTest(Dl4jExperiment experiment, int epochs) {
    List<TensorBatch> train = split.train().batches(64);
    for (int epoch = 0; epoch < epochs; epoch++) {
      for (TensorBatch batch : train) {
        experiment = experiment.trainStep(batch).experiment();
      }
    }
    ClassificationMetrics test = ClassificationMetrics.empty(10);
    for (TensorBatch batch : split.test().batches(100)) {
      test = test.merge(experiment.evalStep(batch).outputs());
    }
    assertThat(test.count()).isEqualTo(split.test().size());
    return test.compute().get("accuracy");
  }

  @Test
  void multiLayerNetworkReachesAtLeast95PercentTestAccuracyOnDigits() {
    double accuracy = trainAndTest(Dl4jExperiment.of(multiLayerNetwork(42, new Adam(5e-3))), 10);

    System.out.println("DL4J MultiLayerNetwork digits test accuracy: " + accuracy);
    assertThat(accuracy).isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void computationGraphReachesAtLeast95PercentTestAccuracyOnDigits() {
    double accuracy = trainAndTest(Dl4jExperiment.of(computationGraph(42)), 10);

    System.out.println("DL4J ComputationGraph digits test accuracy: " + accuracy);
    assertThat(accuracy).isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void trainStepIsOneFitAndReportsTheBatchMetrics() {
    MultiLayerNetwork network = multiLayerNetwork(1, new Adam(1e-3));
    Dl4jExperiment experiment = Dl4jExperiment.of(network);
    TensorBatch batch = split.train().batches(50).get(0);

    ClassificationMetrics metrics = experiment.trainStep(batch).outputs();

    assertThat(network.getIterationCount()).isEqualTo(1);
    assertThat(metrics.count()).isEqualTo(50);
    // An untrained 10-class softmax starts near ln(10) = 2.3.
    assertThat(metrics.compute().get("loss")).isBetween(1.0, 4.0);
    assertThat(experiment.state().get("iteration").getLong(0)).isEqualTo(1);
  }

  @Test
  void multiLayerNetworkStateRestoredIntoAFreshNetworkContinuesBitIdentically() {
    assertRoundTrip(seed -> Dl4jExperiment.of(multiLayerNetwork(seed, new Adam(1e-2))));
  }

  @Test
  void computationGraphStateRestoredIntoAFreshGraphContinuesBitIdentically() {
    assertRoundTrip(seed -> Dl4jExperiment.of(computationGraph(seed)));
  }

  private void assertRoundTrip(LongFunction<Dl4jExperiment> factory) {
    List<TensorBatch> batches = split.train().batches(32);
    Dl4jExperiment original = factory.apply(1);
    for (int i = 0; i < 4; i++) {
      original = original.trainStep(batches.get(i)).experiment();
    }
    NamedArrays saved = original.state().copy();
    assertThat(saved.names()).containsExactly("params", "updater", "iteration", "epoch");

    Dl4jExperiment restored = factory.apply(99).withState(saved);
    assertThat(restored.state()).isEqualTo(saved);
    for (int i = 4; i < 7; i++) {
      original = original.trainStep(batches.get(i)).experiment();
      restored = restored.trainStep(batches.get(i)).experiment();
    }

    assertThat(restored.state()).isEqualTo(original.state());
    assertThat(restored.state()).isNotEqualTo(saved);
  }

  @Test
  void droppingTheUpdaterStateChangesTheContinuation() {
    // The control of the round trips: Adam's moments matter, so the test above can fail.
    List<TensorBatch> batches = split.train().batches(32);
    Dl4jExperiment original = Dl4jExperiment.of(multiLayerNetwork(1, new Adam(1e-2)));
    for (int i = 0; i < 4; i++) {
      original = original.trainStep(batches.get(i)).experiment();
    }
    NamedArrays saved = original.state().copy();
    NamedArrays withoutMoments =
        NamedArrays.builder()
            .put("params", saved.get("params"))
            .put("updater", saved.get("updater").mul(0))
            .put("iteration", saved.get("iteration"))
            .put("epoch", saved.get("epoch"))
            .build();
    Dl4jExperiment restored =
        Dl4jExperiment.of(multiLayerNetwork(99, new Adam(1e-2))).withState(withoutMoments);

    original.trainStep(batches.get(4));
    restored.trainStep(batches.get(4));

    assertThat(restored.state().get("params")).isNotEqualTo(original.state().get("params"));
  }

  @Test
  void stateOfAStatelessUpdaterHasNoUpdaterArrayAndMismatchesAreNamed() {
    Dl4jExperiment sgd = Dl4jExperiment.of(multiLayerNetwork(1, new Sgd(0.1)));
    assertThat(sgd.state().names()).containsExactly("params", "iteration", "epoch");

    Dl4jExperiment adam = Dl4jExperiment.of(multiLayerNetwork(1, new Adam(1e-3)));
    assertThatThrownBy(() -> adam.withState(sgd.state()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("updater");
    assertThatThrownBy(() -> sgd.withState(adam.state()))
        .hasMessageContaining("same updater");
  }
}
