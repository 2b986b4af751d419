package io.solstice.core;

/**
 * The state seam of an experiment: it exposes its arrays by name (the analogue of the
 * leaves of a JAX pytree) and can be rebuilt from them. Scalars such as counters and seeds
 * travel as one-element arrays (see {@link NamedArrays.Builder#scalar(String, long)}).
 *
 * <p>This one seam gives checkpoints (write the arrays, read them back), parameter averaging
 * across workers (average arrays of the same name) and equality-by-value in tests.
 *
 * <p>Contract: {@code e.withState(e.state())} behaves exactly as {@code e}; {@code state()}
 * returns arrays that the caller may read but must not modify; {@code withState} copies what
 * it keeps, so the caller may close or reuse the given arrays afterwards.
 *
 * <p>Thread safety: implementations need not be thread-safe; the engine and the checkpoint
 * callback call state() and withState on the run's training thread (a background checkpoint
 * writes a copy taken there).
 *
 * @param <E> the experiment type
 */
public interface Checkpointable<E> {

  /**
   * The experiment's complete state, in a stable order.
   *
   * @return named arrays: parameters, optimizer state, counters, RNG state
   */
  NamedArrays state();

  /**
   * Rebuilds the experiment from a state previously returned by {@link #state()} of an
   * experiment of the same shape.
   *
   * @param state the arrays to load
   * @return the experiment holding that state
   * @throws IllegalArgumentException naming the array when one is missing or has the wrong
   *     shape or data type
   */
  E withState(NamedArrays state);
}
