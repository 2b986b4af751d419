package io.solstice.reactive;

/**
 * What a run does when a batch's features or a step's loss contain NaN or infinity; set with
 * {@link Run#nonFinite}.
 *
 * <p>Two checks run, in every mode:
 *
 * <ul>
 *   <li><b>Features, before the step</b>: a batch that is an {@link io.solstice.core.TensorBatch}
 *       whose features hold a NaN or an infinity is caught before {@code onStepStart}, so the
 *       experiment never sees it. An experiment that {@link
 *       io.solstice.core.RefusesNonFiniteFeatures refuses such features itself} (the built-in
 *       models do, for less than this check costs) is not checked before the step: it refuses the
 *       batch inside the step, before changing anything, and the policy applies to that refusal
 *       as to the check's, except that the step's {@code onStepStart} has run.
 *   <li><b>Loss, after the step</b>: outputs that are a {@link io.solstice.core.metrics.Metrics}
 *       whose {@code compute()} has a non-finite {@code "loss"} entry (or, for metrics without
 *       one, a non-finite {@code "mse"}, as {@link io.solstice.core.metrics.RegressionMetrics}
 *       of diverged predictions have), or a {@link io.solstice.core.metrics.MeanMetric} with a
 *       non-finite mean, are caught before the step is accepted (before {@code onStepEnd}, the
 *       step counter, prequential evaluation and checkpoints). The built-in models report a
 *       diverged step this way instead of throwing.
 * </ul>
 *
 * <p>An experiment that updates its arrays in place has already changed them when the loss is
 * known, so a step cannot be undone after the fact: under {@link #SKIP_BATCH}, a non-finite loss
 * is skipped only when the step returned a new experiment (the previous one is kept); when it
 * returned the same, already modified instance, the run fails as under {@link #FAIL}, saying so.
 * Inputs that can poison an in-place experiment should be caught by the feature check (the
 * engine's, which needs {@code TensorBatch} batches, or the experiment's own). Under {@link
 * #STOP}, such an experiment (the built-in models are of this kind) ends the run holding the
 * refused step's update; restore a checkpoint to go on from before it.
 */
public enum NonFinitePolicy {

  /** The run fails with a {@link TrainingException} whose cause is a {@link NonFiniteException}. */
  FAIL,

  /**
   * The batch is dropped: the experiment is not updated by it and it takes no step number (the
   * next step's {@code StepStarted} has the same number). A batch refused for its features by the
   * engine's check runs no hooks at all; a step refused for its loss, or by an experiment that
   * refuses non-finite features itself, has had its {@code StepStarted} (its subscribers saw it,
   * and {@link Run#events()} emits it) and has no {@code StepEnded}. It still counts as
   * consumed in the epoch's position, so a resumed run does not read it again. The count is in
   * {@link TrainingEvent.StepEnded#skippedBatches()}.
   */
  SKIP_BATCH,

  /**
   * The run stops early, as if a callback had thrown an early stop; {@code onRunEnd} sees
   * {@code STOPPED_EARLY} with the {@link NonFiniteException} as the reason.
   */
  STOP
}
