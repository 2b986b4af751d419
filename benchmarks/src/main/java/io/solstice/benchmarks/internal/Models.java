package io.solstice.benchmarks.internal;

import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.Run;
import io.solstice.reactive.Solstice;
import java.util.List;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.publisher.Flux;

/** The models and the two training loops (engine and plain) the benchmarks time. */
public final class Models {

  /** The learning rate both Solstice and DL4J use. */
  public static final double LEARNING_RATE = 1e-3;

  private Models() {}

  /**
   * An {@link MlpClassifier} with Adam at {@link #LEARNING_RATE}, float32.
   *
   * @param inputs input features
   * @param hiddenAndClasses hidden layer sizes followed by the number of classes
   * @return the model
   */
  public static MlpClassifier mlp(int inputs, int... hiddenAndClasses) {
    int[] hidden = java.util.Arrays.copyOf(hiddenAndClasses, hiddenAndClasses.length - 1);
    return MlpClassifier.builder()
        .inputs(inputs)
        .hidden(hidden)
        .classes(hiddenAndClasses[hiddenAndClasses.length - 1])
        .updater(new Adam(LEARNING_RATE))
        .seed(42)
        .build();
  }

  /**
   * One epoch through the engine: {@code Solstice.run(model).train(Flux.fromIterable(batches))}
   * with the default settings (prefetch 4, the step on its own thread) and no subscribers.
   *
   * @param model the model, updated in place
   * @param batches in-memory batches
   * @return the trained model
   */
  public static MlpClassifier engineEpoch(MlpClassifier model, List<TensorBatch> batches) {
    return engineEpochs(model, batches, 1);
  }

  /**
   * Several epochs in one engine run, default settings.
   *
   * @param model the model, updated in place
   * @param batches in-memory batches
   * @param epochs the number of epochs
   * @return the trained model
   */
  public static MlpClassifier engineEpochs(MlpClassifier model, List<TensorBatch> batches, int epochs) {
    return engineEpochs(model, batches, epochs, UnaryOperator.identity());
  }

  /**
   * Several epochs in one engine run, with settings (such as subscribers) added to the run.
   *
   * @param model the model, updated in place
   * @param batches in-memory batches
   * @param epochs the number of epochs
   * @param configure adds to the run (subscribers, settings)
   * @return the trained model
   */
  public static MlpClassifier engineEpochs(MlpClassifier model, List<TensorBatch> batches,
      int epochs, UnaryOperator<Run<MlpClassifier, TensorBatch, ClassificationMetrics>> configure) {
    return configure.apply(Solstice.run(model).train(Flux.fromIterable(batches)).epochs(epochs))
        .block();
  }

  /**
   * One epoch as a plain loop on the calling thread: the identical ND4J math with no engine.
   *
   * @param model the model, updated in place
   * @param batches in-memory batches
   * @return the trained model
   */
  public static MlpClassifier plainEpoch(MlpClassifier model, List<TensorBatch> batches) {
    MlpClassifier current = model;
    for (TensorBatch batch : batches) {
      current = current.trainStep(batch).experiment();
    }
    return current;
  }

  /**
   * The share of rows whose most probable class is the label.
   *
   * @param predicted predicted classes
   * @param labels true classes
   * @return accuracy in [0, 1]
   */
  public static double accuracy(int[] predicted, int[] labels) {
    int correct = 0;
    for (int i = 0; i < labels.length; i++) {
      if (predicted[i] == labels[i]) {
        correct++;
      }
    }
    return labels.length == 0 ? 0 : (double) correct / labels.length;
  }
}
