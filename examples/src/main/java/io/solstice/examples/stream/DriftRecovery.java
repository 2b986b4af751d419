package io.solstice.examples.stream;

/**
 * Follows a prequential accuracy around a known drift: its level just before the drift, the
 * lowest it fell to after, and the first step at which it came back within a tolerance of the
 * level before.
 */
public final class DriftRecovery {
  private final long driftAt;
  private final double tolerance;
  private double before = Double.NaN;
  private double lowest = Double.NaN;
  private long recoveredAt = -1;

  /**
   * Follows a drift.
   *
   * @param driftAt the step of the drift
   * @param tolerance how close to the level before counts as recovered
   */
  public DriftRecovery(long driftAt, double tolerance) {
    this.driftAt = driftAt;
    this.tolerance = tolerance;
  }

  /**
   * Takes the accuracy after a step.
   *
   * @param step the step, from 0
   * @param accuracy the accuracy after it
   */
  public void accept(long step, double accuracy) {
    if (step < driftAt) {
      before = accuracy;
    } else if (recoveredAt < 0) {
      lowest = Double.isNaN(lowest) ? accuracy : Math.min(lowest, accuracy);
      if (!Double.isNaN(before) && lowest < before - tolerance && accuracy >= before - tolerance) {
        recoveredAt = step;
      }
    }
  }

  /**
   * The accuracy just before the drift.
   *
   * @return it, or NaN before the drift was reached
   */
  public double before() {
    return before;
  }

  /**
   * The lowest accuracy after the drift (until recovery).
   *
   * @return it, or NaN
   */
  public double lowest() {
    return lowest;
  }

  /**
   * The step at which the accuracy came back after having dropped.
   *
   * @return the step, or -1 when it has not (yet)
   */
  public long recoveredAt() {
    return recoveredAt;
  }

  /**
   * The step of the drift.
   *
   * @return it
   */
  public long driftAt() {
    return driftAt;
  }
}
