package io.solstice.examples.stream;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.Step;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;

/**
 * An {@link MlpClassifier} that also keeps which rows of its last train step it got wrong,
 * predicted before the step trained on them: the per-row error stream a drift detector needs
 * (the MLP's own step reports only the step's metrics). It costs one more forward pass per batch.
 * Its state is the MLP's.
 */
final class MlpWithRowErrors
    implements Experiment<MlpWithRowErrors, TensorBatch, ClassificationMetrics>, Checkpointable<MlpWithRowErrors> {
  private MlpClassifier mlp;
  private double[] lastErrors = new double[0];

  MlpWithRowErrors(MlpClassifier mlp) {
    this.mlp = mlp;
  }

  /**
   * The errors of the last train step, in row order: 1 where the prediction made before the step
   * was wrong, else 0.
   *
   * @return the errors (not a copy)
   */
  double[] lastRowErrors() {
    return lastErrors;
  }

  @Override
  public Step<MlpWithRowErrors, ClassificationMetrics> trainStep(TensorBatch batch) {
    int[] predicted = mlp.predictClasses(batch.features());
    long[] labels = batch.labels().toLongVector();
    double[] errors = new double[predicted.length];
    for (int r = 0; r < predicted.length; r++) {
      errors[r] = predicted[r] == labels[r] ? 0 : 1;
    }
    Step<MlpClassifier, ClassificationMetrics> step = mlp.trainStep(batch);
    mlp = step.experiment();
    lastErrors = errors;
    return Step.of(this, step.outputs());
  }

  @Override
  public Step<MlpWithRowErrors, ClassificationMetrics> evalStep(TensorBatch batch) {
    Step<MlpClassifier, ClassificationMetrics> step = mlp.evalStep(batch);
    mlp = step.experiment();
    return Step.of(this, step.outputs());
  }

  @Override
  public NamedArrays state() {
    return mlp.state();
  }

  @Override
  public MlpWithRowErrors withState(NamedArrays state) {
    return new MlpWithRowErrors(mlp.withState(state));
  }
}
