package io.solstice.examples.job;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.Metrics;
import java.util.List;
import java.util.Map;

/**
 * What a training job learns and how it reports it: the model it builds, the validation metric
 * early stopping minimises, the metrics its logs and plot show, its test report, and how the
 * JSON report describes it. {@link ClassificationTask} and {@link RegressionTask} are the two.
 *
 * @param <E> the model
 * @param <M> its metrics
 */
public interface ModelTask<E extends Experiment<E, TensorBatch, M> & Checkpointable<E>, M extends Metrics<M>> {

  /**
   * A fresh model.
   *
   * @param inputs features per row
   * @param hidden hidden layer sizes
   * @param learningRate Adam's learning rate
   * @param weightDecay the decoupled weight decay (AdamW), 0 for none
   * @param seed the seed of its initialisation
   * @return the model
   */
  E newModel(int inputs, int[] hidden, double learningRate, double weightDecay, long seed);

  /**
   * The validation metric early stopping minimises, for example {@code loss}.
   *
   * @return the metric key
   */
  String monitor();

  /**
   * The metrics shown per epoch in the log and plotted in the learning curves.
   *
   * @return metric keys, the monitored one first
   */
  List<String> headline();

  /**
   * What the report is called, for example "Classification".
   *
   * @return the title
   */
  String title();

  /**
   * The test report, as text.
   *
   * @param test the merged test metrics
   * @return lines separated by newlines, ending with one
   */
  String report(M test);

  /**
   * The number of rows the metrics were computed on.
   *
   * @param metrics the metrics
   * @return the row count
   */
  long rows(M metrics);

  /**
   * How the JSON report describes the task, for example {@code task: classification} and the
   * classes.
   *
   * @return JSON-ready values by key, in order
   */
  Map<String, Object> describe();

  /**
   * What the test metrics hold beyond the single values of {@code compute()}, for the JSON
   * report, for example the confusion matrix.
   *
   * @param test the merged test metrics
   * @return JSON-ready values by key (none by default)
   */
  default Map<String, Object> details(M test) {
    return Map.of();
  }
}
