package io.solstice.core.metrics;

import java.util.Map;

/**
 * Accumulated evaluation statistics that merge: the outputs of steps, reduced over an epoch,
 * a window or several workers.
 *
 * <p>Laws, which every implementation keeps and the tests check by property:
 *
 * <ul>
 *   <li>{@code merge} is associative: {@code a.merge(b).merge(c)} and {@code
 *       a.merge(b.merge(c))} compute the same values, up to floating-point rounding (sums in
 *       another order);
 *   <li>{@link #empty()} is its identity: {@code a.merge(a.empty())} computes the values of
 *       {@code a};
 *   <li>merging per-batch metrics over any split of the data gives the same numbers as
 *       computing them over all of it at once.
 * </ul>
 *
 * <p>Implementations are immutable values; {@code merge} returns a new object.
 *
 * <p>Thread safety: immutable values are thread-safe, which lets metrics of several threads,
 * runs or workers be merged freely.
 *
 * @param <M> the concrete metrics type (self type)
 */
public interface Metrics<M extends Metrics<M>> {

  /**
   * Combines these statistics with another set of the same kind.
   *
   * @param other statistics of the same configuration (for example the same class count)
   * @return the merged statistics
   * @throws IllegalArgumentException when the configurations differ
   */
  M merge(M other);

  /**
   * The identity of {@link #merge} for this configuration: statistics over no data.
   *
   * @return the empty statistics
   */
  M empty();

  /**
   * Computes the named values, in a stable order. A ratio with a zero denominator is reported as
   * 0, never NaN; a value is NaN or infinite only when an input was (a {@link MeanMetric} of a
   * non-finite loss, which the engine's non-finite check looks for).
   *
   * @return the values by name
   */
  Map<String, Double> compute();
}
