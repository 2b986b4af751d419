package io.solstice.online.drift;

/**
 * DDM, the drift detection method (Gama, Medas, Castillo and Rodrigues, "Learning with drift
 * detection", SBIA 2004), over a stream of 0/1 errors: with the error rate {@code p} and its
 * deviation {@code s = sqrt(p (1 - p) / n)}, it remembers the minimum of {@code p + s}; it warns
 * when {@code p + s > p_min + 2 s_min} and reports a drift when {@code p + s > p_min + 3 s_min},
 * then starts afresh with the next value. As in MOA, the concept's count starts at 1 and moves on
 * before the test, so with {@code minInstances = 30} the 29th value of a concept is the first
 * that can warn and the 30th the first that can report a drift.
 *
 * <p>Defaults are the paper's and MOA's ({@code moa.classifiers.core.driftdetection.DDM}): 30
 * values, warning level 2, drift level 3.
 */
public final class Ddm extends RestartingDetector {
  private final int minInstances;
  private final double warningLevel;
  private final double driftLevel;
  private double p;
  private double s;
  private double pMin;
  private double sMin;
  private double psMin;

  /** DDM with the published levels. */
  public Ddm() {
    this(30, 2, 3);
  }

  /**
   * DDM with other levels.
   *
   * @param minInstances the count a concept must reach before a warning (value {@code
   *     minInstances - 1} is the first that can warn, value {@code minInstances} the first that can
   *     report a drift, as in MOA)
   * @param warningLevel standard deviations above the minimum for a warning
   * @param driftLevel standard deviations above the minimum for a drift
   */
  public Ddm(int minInstances, double warningLevel, double driftLevel) {
    super("p", "s", "pMin", "sMin", "psMin");
    if (minInstances < 0 || warningLevel <= 0 || driftLevel < warningLevel) {
      throw new IllegalArgumentException("need minInstances >= 0 and 0 < warningLevel <= driftLevel");
    }
    this.minInstances = minInstances;
    this.warningLevel = warningLevel;
    this.driftLevel = driftLevel;
    resetStatistics();
  }

  @Override
  void resetStatistics() {
    p = 1;
    s = 0;
    pMin = Double.MAX_VALUE;
    sMin = Double.MAX_VALUE;
    psMin = Double.MAX_VALUE;
  }

  @Override
  public String name() {
    return "ddm";
  }

  @Override
  public double estimate() {
    return p;
  }

  @Override
  void absorb(double error) {
    p += (error - p) / n();
    s = Math.sqrt(p * (1 - p) / n());
  }

  @Override
  DriftState test() {
    long n = n();
    if (n < minInstances) {
      return DriftState.STABLE;
    }
    if (p + s <= psMin) {
      pMin = p;
      sMin = s;
      psMin = p + s;
    }
    if (n > minInstances && p + s > pMin + driftLevel * sMin) {
      return DriftState.DRIFT;
    }
    return p + s > pMin + warningLevel * sMin ? DriftState.WARNING : DriftState.STABLE;
  }

  @Override
  double[] statistics() {
    return new double[] {p, s, pMin, sMin, psMin};
  }

  @Override
  void restoreStatistics(double[] values) {
    p = values[0];
    s = values[1];
    pMin = values[2];
    sMin = values[3];
    psMin = values[4];
  }
}
