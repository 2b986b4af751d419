package io.solstice.online.drift;

/**
 * The Page-Hinkley test (Page, "Continuous inspection schemes", Biometrika 1954) for an increase
 * of the mean, with a fading factor, as MOA 2024.07's {@code
 * moa.classifiers.core.driftdetection.PageHinkleyDM} computes it: with the running mean {@code x̄}
 * and the faded cumulative deviation {@code m = alpha m + (x - x̄ - delta)}, a drift is reported
 * when {@code m > lambda} once the concept's count reaches {@code minInstances}; the test then
 * starts afresh with the next value. As in MOA, the count runs one ahead of the values (it starts
 * at 1 and moves on before the test), so the first value that can report a drift is value
 * {@code minInstances - 1} of a concept: the 29th with the default.
 *
 * <p>The textbook statistic is {@code m - min(m)}; with {@code alpha < 1} the fading keeps {@code
 * m} near {@code -delta / (1 - alpha)} while nothing changes, and MOA compares {@code m} alone.
 * Tried here, the textbook form raised a second alarm a few thousand rows after a real drift on
 * the test streams, where MOA's form raised none, so this class follows MOA.
 *
 * <p>Defaults are MOA's: {@code minInstances = 30}, {@code delta = 0.005}, {@code lambda = 50},
 * {@code alpha = 1 - 0.0001}. No warning level.
 */
public final class PageHinkley extends RestartingDetector {
  private final int minInstances;
  private final double delta;
  private final double lambda;
  private final double alpha;
  private double mean;
  private double sum;

  /** The test on the faded sum with MOA's defaults. */
  public PageHinkley() {
    this(30, 0.005, 50, 1 - 0.0001);
  }

  /**
   * The test with other parameters.
   *
   * @param minInstances the count a concept must reach before a drift may be reported (value
   *     {@code minInstances - 1} is the first that can, as in MOA)
   * @param delta the magnitude of change tolerated
   * @param lambda the detection threshold
   * @param alpha the fading factor of the cumulative sum, in (0, 1]
   */
  public PageHinkley(int minInstances, double delta, double lambda, double alpha) {
    super("mean", "sum");
    if (minInstances < 0 || delta < 0 || lambda <= 0 || !(alpha > 0 && alpha <= 1)) {
      throw new IllegalArgumentException("need minInstances >= 0, delta >= 0, lambda > 0, alpha in (0, 1]");
    }
    this.minInstances = minInstances;
    this.delta = delta;
    this.lambda = lambda;
    this.alpha = alpha;
  }

  @Override
  void resetStatistics() {
    mean = 0;
    sum = 0;
  }

  @Override
  public String name() {
    return "page-hinkley";
  }

  @Override
  public double estimate() {
    return mean;
  }

  @Override
  void absorb(double value) {
    mean += (value - mean) / n();
    sum = alpha * sum + (value - mean - delta);
  }

  @Override
  DriftState test() {
    return n() >= minInstances && sum > lambda ? DriftState.DRIFT : DriftState.STABLE;
  }

  @Override
  double[] statistics() {
    return new double[] {mean, sum};
  }

  @Override
  void restoreStatistics(double[] values) {
    mean = values[0];
    sum = values[1];
  }
}
