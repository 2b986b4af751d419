package io.solstice.online.linear;

/**
 * A model that can react to a drift in place: forget what it learned, or learn faster for a
 * while. The online linear models implement it; {@code DriftReaction}s call it.
 */
public interface Adaptable {

  /** Forgets what was learned: zero weights and a fresh updater. */
  void forget();

  /**
   * Multiplies the learning rate by {@code factor} for the next {@code updates} updates.
   *
   * @param factor the factor, above 0
   * @param updates how many updates it lasts
   */
  void boostLearningRate(double factor, long updates);
}
