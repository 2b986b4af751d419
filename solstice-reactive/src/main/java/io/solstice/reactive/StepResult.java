package io.solstice.reactive;

import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import java.util.Objects;
import java.util.Optional;

/**
 * What one step of a run produced, as emitted by {@link Solstice#run}, {@link Solstice#fit}
 * and {@link Solstice#trainStep}.
 *
 * <p>Emitted on the training thread after the step's {@code onStepEnd} callbacks and the
 * closing of its batch, before the next step starts. The experiment is the one the step returned:
 * an experiment that updates its arrays in place is only consistent while this signal is
 * being handled, so copy what you need (for example in {@code doOnNext}) rather than keeping
 * the reference for later.
 *
 * @param experiment the experiment returned by the step
 * @param outputs the step's outputs
 * @param mode TRAIN, VAL or TEST
 * @param epoch the epoch of the step, from 0
 * @param globalStep the step's number among the steps of its mode in the run, from 0
 * @param position where the run stands after this step, as a checkpoint would record it
 * @param prequential for train steps of a prequential {@code fit}, the test-then-train
 *     evaluation including this batch; null otherwise
 * @param skippedBatches how many batches of this run, up to this step, were skipped for NaN
 *     or infinity under {@link NonFinitePolicy#SKIP_BATCH}; 0 under the other policies
 * @param <E> the experiment type
 * @param <O> the outputs type
 */
public record StepResult<E, O>(
    E experiment,
    O outputs,
    Mode mode,
    int epoch,
    long globalStep,
    RunPosition position,
    PrequentialMetrics<O> prequential,
    long skippedBatches) {

  /**
   * Validates the fields.
   *
   * @param experiment the experiment returned by the step
   * @param outputs the step's outputs
   * @param mode TRAIN, VAL or TEST
   * @param epoch the epoch of the step
   * @param globalStep the step's number in its mode
   * @param position the position after this step
   * @param prequential the prequential evaluation, or null
   * @param skippedBatches batches skipped for non-finite values so far, >= 0
   */
  public StepResult {
    Objects.requireNonNull(experiment, "experiment");
    Objects.requireNonNull(outputs, "outputs");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(position, "position");
    if (skippedBatches < 0) {
      throw new IllegalArgumentException("skippedBatches must be >= 0, was " + skippedBatches);
    }
  }

  /**
   * A result with no skipped batches (the form before {@link NonFinitePolicy} existed).
   *
   * @param experiment the experiment returned by the step
   * @param outputs the step's outputs
   * @param mode TRAIN, VAL or TEST
   * @param epoch the epoch of the step
   * @param globalStep the step's number in its mode
   * @param position the position after this step
   * @param prequential the prequential evaluation, or null
   */
  public StepResult(E experiment, O outputs, Mode mode, int epoch, long globalStep,
      RunPosition position, PrequentialMetrics<O> prequential) {
    this(experiment, outputs, mode, epoch, globalStep, position, prequential, 0);
  }

  /**
   * The prequential evaluation, present for train steps of a {@code fit} with
   * {@link FitOptions.Builder#prequential prequential} evaluation.
   *
   * @return the evaluation, or empty
   */
  public Optional<PrequentialMetrics<O>> prequentialMetrics() {
    return Optional.ofNullable(prequential);
  }
}
