package io.solstice.benchmarks;

import io.solstice.benchmarks.internal.DedicatedThread;
import io.solstice.benchmarks.internal.Interleaved;
import io.solstice.benchmarks.internal.Json;
import io.solstice.benchmarks.internal.Models;
import io.solstice.benchmarks.internal.SyntheticMnist;
import io.solstice.benchmarks.internal.Timer;
import io.solstice.core.TensorBatch;
import io.solstice.core.models.MlpClassifier;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Solstice with the hand-written {@link MlpClassifier} against DL4J's {@code
 * MultiLayerNetwork.fit(DataSetIterator)} on the same architecture (784-256-10, ReLU, softmax
 * with cross-entropy), updater (Adam, lr 1e-3), initialisation (He for the hidden layer,
 * Xavier-uniform for the output), batch size (128), float32, and the same synthetic
 * MNIST-shaped batches (the same INDArrays; DL4J gets the labels one-hot). One sample of each
 * side is one epoch; after the timed epochs (the same number for both) both are scored on the
 * same held-out rows.
 */
public final class Dl4jComparison {

  private Dl4jComparison() {}

  /**
   * Runs the comparison.
   *
   * @param config sizes and pair counts
   * @return {@code speedup_vs_dl4j}, both accuracies and the details
   */
  public static Json.Obj run(BenchConfig config) {
    SyntheticMnist.Data train = SyntheticMnist.generate(config.trainRows(), 3, 7);
    SyntheticMnist.Data test = SyntheticMnist.generate(config.testRows(), 4, 7);
    int batch = TrainOverhead.BATCH;
    List<TensorBatch> batches = train.batches(batch);
    List<DataSet> dataSets = new ArrayList<>();
    for (int i = 0; i < batches.size(); i++) {
      dataSets.add(new DataSet(batches.get(i).features(), train.oneHot(i * batch, batch)));
    }
    ExistingDataSetIterator iterator = new ExistingDataSetIterator(dataSets);
    double samples = (double) batches.size() * batch;

    MlpClassifier[] solstice = {Models.mlp(SyntheticMnist.FEATURES, 256, 10)};
    MultiLayerNetwork dl4j = dl4jMlp();
    // Each side trains for one epoch per run, so both see (warm-up + pairs) epochs in total.
    int epochs = config.warmupPairs() + config.pairs();
    Interleaved.Comparison comparison;
    // DL4J fits on one dedicated thread, never the JVM main thread (see DedicatedThread).
    try (DedicatedThread fitThread = new DedicatedThread("dl4j-fit")) {
      comparison = Interleaved.compare(config.warmupPairs(), config.pairs(),
          () -> Timer.throughput(samples,
              () -> solstice[0] = Models.engineEpoch(solstice[0], batches)),
          fitThread.wrap(() -> Timer.throughput(samples, () -> dl4j.fit(iterator))));
    }

    INDArray testFeatures = test.featureMatrix(0, test.rows());
    double solsticeAccuracy =
        Models.accuracy(solstice[0].predictClasses(testFeatures), test.labels());
    double dl4jAccuracy =
        Models.accuracy(dl4j.output(testFeatures).argMax(1).toIntVector(), test.labels());
    return Json.obj()
        .put("model", "784-256-10 ReLU/softmax, cross-entropy, Adam(1e-3), float32")
        .put("data", "synthetic MNIST-shaped (784 features in [0,1], 10 classes: class"
            + " prototype + uniform noise), " + train.rows() + " train rows, " + test.rows()
            + " held-out rows")
        .put("batch", batch)
        .put("epochs_each", epochs)
        .put("comparison", comparison.toJson("Solstice.run(model).train(...) + MlpClassifier",
            "DL4J MultiLayerNetwork.fit(DataSetIterator)", "samples_per_s"))
        .put("accuracy_solstice", solsticeAccuracy)
        .put("accuracy_dl4j", dl4jAccuracy)
        .put("speedup_vs_dl4j", comparison.ratio().median());
  }

  /** DL4J's version of {@code Models.mlp(784, 256, 10)}. */
  static MultiLayerNetwork dl4jMlp() {
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
        .seed(42)
        .dataType(DataType.FLOAT)
        .updater(new Adam(Models.LEARNING_RATE))
        .list()
        .layer(new DenseLayer.Builder()
            .nIn(SyntheticMnist.FEATURES).nOut(256)
            .activation(Activation.RELU)
            .weightInit(WeightInit.RELU)
            .build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .nIn(256).nOut(SyntheticMnist.CLASSES)
            .activation(Activation.SOFTMAX)
            .weightInit(WeightInit.XAVIER_UNIFORM)
            .build())
        .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }
}
