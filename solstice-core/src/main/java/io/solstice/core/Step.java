package io.solstice.core;

import java.util.Objects;

/**
 * The result of one train or eval step: the experiment to continue with and the step's
 * outputs.
 *
 * <p>Thread safety: the record itself is immutable; the experiment and outputs it holds are as
 * thread-safe as their types.
 *
 * @param experiment the next experiment; never null
 * @param outputs the step's outputs, usually a {@link io.solstice.core.metrics.Metrics}; never
 *     null
 * @param <E> the experiment type
 * @param <O> the outputs type
 */
public record Step<E, O>(E experiment, O outputs) {

  /** Validates that neither part is null. */
  public Step {
    Objects.requireNonNull(experiment, "experiment");
    Objects.requireNonNull(outputs, "outputs");
  }

  /**
   * Shorthand for {@code new Step<>(experiment, outputs)}.
   *
   * @param experiment the next experiment
   * @param outputs the step's outputs
   * @param <E> the experiment type
   * @param <O> the outputs type
   * @return the step
   */
  public static <E, O> Step<E, O> of(E experiment, O outputs) {
    return new Step<>(experiment, outputs);
  }
}
