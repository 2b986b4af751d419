package io.solstice.arrow;

/**
 * One batch evaluated by a live model (see {@link ArrowFlux#evaluate}): which version evaluated
 * it, and the outputs of the model's {@code evalStep} (for a classifier, the batch's {@code
 * ClassificationMetrics}, to be merged per version or over a window).
 *
 * <p>Thread safety: a record; as safe to share as its outputs (Metrics values are immutable).
 *
 * @param version the model version, as published
 * @param step the train steps done when that version was published
 * @param position the evaluated batch's position
 * @param outputs the outputs of {@code evalStep}
 * @param <O> the output type
 */
public record ModelEvaluation<O>(long version, long step, BatchPosition position, O outputs) {}
