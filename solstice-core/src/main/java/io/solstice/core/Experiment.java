package io.solstice.core;

/**
 * The heart of a Solstice run: all state of a training experiment (parameters, optimizer
 * state, random generators, counters) plus the two operations the engine drives.
 *
 * <p>The contract is functional: {@link #trainStep} and {@link #evalStep} return a {@link Step}
 * holding the experiment to continue with and the step's outputs (usually a
 * {@link io.solstice.core.metrics.Metrics}). The caller always continues with the returned
 * experiment and never relies on the old one staying valid, so an implementation is free to
 * update its ND4J arrays in place and return {@code this} (the fast path), or to return a new
 * immutable value (the pure path). Both are correct.
 *
 * <p>The self type {@code E} keeps user code cast-free:
 *
 * <pre>{@code
 * record LinearExperiment(INDArray w, double lr)
 *     implements Experiment<LinearExperiment, DataBatch, MeanMetric> {
 *   public Step<LinearExperiment, MeanMetric> trainStep(DataBatch b) { ... }
 *   public Step<LinearExperiment, MeanMetric> evalStep(DataBatch b) { ... }
 * }
 * }</pre>
 *
 * <p>Implementations need not be thread-safe: the engine calls one experiment from one thread
 * at a time. Experiments whose state should be checkpointed or averaged also implement
 * {@link Checkpointable}.
 *
 * @param <E> the concrete experiment type (self type)
 * @param <B> the batch type the experiment consumes
 * @param <O> the type of a step's outputs
 */
public interface Experiment<E extends Experiment<E, B, O>, B, O> {

  /**
   * Runs one optimisation step on a batch.
   *
   * @param batch the batch; owned by the caller, who closes it after the step if it is
   *     {@link AutoCloseable}, so the experiment must not keep references into it
   * @return the experiment to continue with and the step's outputs
   */
  Step<E, O> trainStep(B batch);

  /**
   * Evaluates the experiment on a batch without changing its trainable state.
   *
   * @param batch the batch; owned by the caller, as for {@link #trainStep}
   * @return the experiment to continue with (usually {@code this}) and the step's outputs
   */
  Step<E, O> evalStep(B batch);
}
