package io.solstice.examples.job;

import io.solstice.core.Mode;
import io.solstice.core.NamedArrays;
import io.solstice.core.checkpoint.Checkpoint;
import io.solstice.core.checkpoint.CheckpointException;
import io.solstice.core.checkpoint.CheckpointManifest;
import io.solstice.core.checkpoint.CheckpointStore;
import io.solstice.core.models.MlpClassifier;
import io.solstice.core.models.MlpRegressor;
import io.solstice.examples.data.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The model of a finished (or interrupted) {@code train} or {@code digits} run, rebuilt from its
 * run directory: {@link ModelRecord model.json} says what the model is, and the checkpoint with
 * the lowest validation value of the record's monitor (the best epoch's, which the run's test
 * report evaluated) holds its arrays; a run without such a value uses its latest checkpoint.
 *
 * @param directory the checkpoint directory
 * @param record what the model is and how it reads features
 * @param checkpoint the checkpoint loaded (verified)
 * @param model the {@link MlpClassifier} or {@link MlpRegressor} holding its state
 */
public record TrainedModel(Path directory, ModelRecord record, Checkpoint checkpoint, Object model) {

  /**
   * Loads the model of a run.
   *
   * @param run the run's work directory (holding {@code checkpoints/}) or its checkpoint directory
   * @return the model
   * @throws UsageException when the directory holds no run or no complete checkpoint
   */
  public static TrainedModel load(Path run) {
    Path directory = Files.isRegularFile(run.resolve(ModelRecord.NAME)) || !Files.isDirectory(run.resolve("checkpoints"))
        ? run : run.resolve("checkpoints");
    if (!Files.isDirectory(directory)) {
      throw new UsageException("no run directory at " + run);
    }
    ModelRecord record = ModelRecord.read(directory);
    Checkpoint checkpoint = bestCheckpoint(directory, record.monitor());
    try {
      return new TrainedModel(directory, record, checkpoint, build(record, checkpoint.state()));
    } catch (IllegalArgumentException e) {
      throw new UsageException("the checkpoint " + checkpoint.file() + " does not fit the model of "
          + directory.resolve(ModelRecord.NAME) + ": " + e.getMessage());
    }
  }

  /**
   * The classifier.
   *
   * @return the model
   * @throws IllegalStateException for a regressor
   */
  public MlpClassifier classifier() {
    if (model instanceof MlpClassifier classifier) {
      return classifier;
    }
    throw new IllegalStateException("the run trained a regressor");
  }

  /**
   * The regressor.
   *
   * @return the model
   * @throws IllegalStateException for a classifier
   */
  public MlpRegressor regressor() {
    if (model instanceof MlpRegressor regressor) {
      return regressor;
    }
    throw new IllegalStateException("the run trained a classifier");
  }

  /**
   * The model's prediction for {@link io.solstice.arrow.ArrowFlux#predict}: class probabilities
   * [rows, classes], or predictions in the target's units [rows, outputs].
   *
   * @return the function of the model and the feature matrix
   */
  public BiFunction<Object, INDArray, INDArray> predictor() {
    return record.classifier() ? (m, x) -> ((MlpClassifier) m).predict(x) : (m, x) -> ((MlpRegressor) m).predict(x);
  }

  private static Object build(ModelRecord record, NamedArrays state) {
    // The optimizer only has to match the checkpoint's state (Adam's moments); prediction never steps it.
    if (record.classifier()) {
      return MlpClassifier.builder().inputs(record.inputs()).hidden(record.hidden()).classes(record.classes().size())
          .updater(new Adam(1e-3)).build().withState(state);
    }
    return MlpRegressor.builder().inputs(record.inputs()).hidden(record.hidden()).updater(new Adam(1e-3)).build()
        .withState(state);
  }

  /**
   * The complete checkpoint with the lowest validation value of {@code monitor} (the earliest of
   * equals), else the latest: the model a run's test report evaluates.
   */
  static Checkpoint bestCheckpoint(Path directory, String monitor) {
    CheckpointStore store = CheckpointStore.open(directory);
    Path best = null;
    double bestValue = Double.NaN;
    for (Path file : store.list()) {
      double value;
      try {
        CheckpointManifest manifest = CheckpointStore.readManifest(file);
        value = manifest.metrics().getOrDefault(CheckpointManifest.metricKey(Mode.VAL, monitor), Double.NaN);
      } catch (CheckpointException unreadable) {
        continue;
      }
      if (!Double.isNaN(value) && (best == null || value < bestValue)) {
        best = file;
        bestValue = value;
      }
    }
    if (best != null) {
      try {
        return CheckpointStore.load(best);
      } catch (CheckpointException damaged) {
        // fall back to the latest complete checkpoint below
      }
    }
    return store.loadLatest().orElseThrow(() -> new UsageException("no complete checkpoint in " + directory
        + "; the run has not finished an epoch"));
  }
}
