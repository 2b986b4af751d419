package io.solstice.online.drift;

import io.solstice.core.checkpoint.StateValues;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DDM, the drift detection method (Gama, Medas, Castillo and Rodrigues, "Learning with drift
 * detection", SBIA 2004), over a stream of 0/1 errors: with the error rate {@code p} and its
 * deviation {@code s = sqrt(p (1 - p) / n)}, it remembers the minimum of {@code p + s}; it warns
 * when {@code p + s > p_min + 2 s_min} and reports a drift when {@code p + s > p_min + 3 s_min}
 * (after {@code minInstances} values), then starts afresh with the next value.
 *
 * <p>Defaults are the paper's and MOA's ({@code moa.classifiers.core.driftdetection.DDM}): 30
 * values, warning level 2, drift level 3.
 */
public final class Ddm implements DriftDetector {
  private final int minInstances;
  private final double warningLevel;
  private final double driftLevel;
  private long n;
  private double p;
  private double s;
  private double pMin;
  private double sMin;
  private double psMin;
  private boolean restartNext;
  private long seen;

  /** DDM with the published levels. */
  public Ddm() {
    this(30, 2, 3);
  }

  /**
   * DDM with other levels.
   *
   * @param minInstances values before a warning or drift may be reported
   * @param warningLevel standard deviations above the minimum for a warning
   * @param driftLevel standard deviations above the minimum for a drift
   */
  public Ddm(int minInstances, double warningLevel, double driftLevel) {
    if (minInstances < 0 || warningLevel <= 0 || driftLevel < warningLevel) {
      throw new IllegalArgumentException("need minInstances >= 0 and 0 < warningLevel <= driftLevel");
    }
    this.minInstances = minInstances;
    this.warningLevel = warningLevel;
    this.driftLevel = driftLevel;
    restart();
  }

  private void restart() {
    n = 1;
    p = 1;
    s = 0;
    pMin = Double.MAX_VALUE;
    sMin = Double.MAX_VALUE;
    psMin = Double.MAX_VALUE;
    restartNext = false;
  }

  @Override
  public String name() {
    return "ddm";
  }

  @Override
  public long seen() {
    return seen;
  }

  @Override
  public double estimate() {
    return p;
  }

  @Override
  public DriftState update(double error) {
    seen++;
    if (restartNext) {
      restart();
    }
    p += (error - p) / n;
    s = Math.sqrt(p * (1 - p) / n);
    n++;
    if (n < minInstances) {
      return DriftState.STABLE;
    }
    if (p + s <= psMin) {
      pMin = p;
      sMin = s;
      psMin = p + s;
    }
    if (n > minInstances && p + s > pMin + driftLevel * sMin) {
      restartNext = true;
      return DriftState.DRIFT;
    }
    return p + s > pMin + warningLevel * sMin ? DriftState.WARNING : DriftState.STABLE;
  }

  @Override
  public Map<String, Object> saveState() {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("seen", seen);
    state.put("n", n);
    state.put("p", p);
    state.put("s", s);
    state.put("pMin", pMin);
    state.put("sMin", sMin);
    state.put("psMin", psMin);
    state.put("restartNext", restartNext ? 1 : 0);
    return state;
  }

  @Override
  public void restoreState(Map<String, Object> state) {
    seen = StateValues.getLong(state, "seen");
    n = StateValues.getLong(state, "n");
    p = StateValues.getDouble(state, "p");
    s = StateValues.getDouble(state, "s");
    pMin = StateValues.getDouble(state, "pMin");
    sMin = StateValues.getDouble(state, "sMin");
    psMin = StateValues.getDouble(state, "psMin");
    restartNext = StateValues.getLong(state, "restartNext") != 0;
  }
}
