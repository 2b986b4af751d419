package io.solstice.reactive.callbacks;

/** Whether smaller or larger values of a monitored metric are better. */
public enum Direction {
  /** Smaller is better (losses, errors). */
  MIN,
  /** Larger is better (accuracy, F1). */
  MAX;

  /**
   * Whether {@code candidate} beats {@code reference} by more than {@code minDelta}.
   *
   * @param candidate the new value
   * @param reference the value to beat
   * @param minDelta the smallest change that counts as an improvement (>= 0)
   * @return true when strictly better by more than minDelta
   */
  public boolean improves(double candidate, double reference, double minDelta) {
    return this == MIN ? candidate < reference - minDelta : candidate > reference + minDelta;
  }

  /**
   * The worst possible value, which any finite value improves on.
   *
   * @return +infinity for MIN, -infinity for MAX
   */
  public double worst() {
    return this == MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
  }
}
