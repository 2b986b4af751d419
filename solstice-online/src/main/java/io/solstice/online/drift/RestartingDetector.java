package io.solstice.online.drift;

import io.solstice.core.checkpoint.StateValues;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What DDM and Page-Hinkley share: a test on running statistics of the current concept, counted
 * from 1, that starts afresh with the value after a drift. This class keeps the counts and the
 * restart, and turns the subclass's statistics into the detector's checkpoint state, so each
 * detector writes only its own test.
 *
 * <p>Each value goes through {@link #absorb} with {@link #n()} the value's number in the concept,
 * then {@code n} moves on and {@link #test} decides with the new count (the order in which MOA
 * computes both detectors).
 */
abstract sealed class RestartingDetector implements DriftDetector permits Ddm, PageHinkley {
  private final List<String> statistics;
  private long seen;
  private long n = 1;
  private boolean restartNext;

  /**
   * @param statistics the names of the subclass's statistics in its state, in the order of
   *     {@link #statistics()}
   */
  RestartingDetector(String... statistics) {
    this.statistics = List.of(statistics);
  }

  /** Adds one value to the statistics of the current concept. */
  abstract void absorb(double value);

  /** The state after the value just absorbed. */
  abstract DriftState test();

  /** Sets the statistics to those of an empty concept. */
  abstract void resetStatistics();

  /** The statistics, in the order of the names given to the constructor. */
  abstract double[] statistics();

  /** Sets the statistics from values in the order of {@link #statistics()}. */
  abstract void restoreStatistics(double[] values);

  /** The count of the current concept: before {@link #test}, the number of the value absorbed. */
  final long n() {
    return n;
  }

  @Override
  public final long seen() {
    return seen;
  }

  @Override
  public final DriftState update(double value) {
    seen++;
    if (restartNext) {
      n = 1;
      restartNext = false;
      resetStatistics();
    }
    absorb(value);
    n++;
    DriftState state = test();
    restartNext = state == DriftState.DRIFT;
    return state;
  }

  @Override
  public final Map<String, Object> saveState() {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("seen", seen);
    state.put("n", n);
    double[] values = statistics();
    for (int i = 0; i < values.length; i++) {
      state.put(statistics.get(i), values[i]);
    }
    state.put("restartNext", restartNext ? 1 : 0);
    return state;
  }

  @Override
  public final void restoreState(Map<String, Object> state) {
    seen = StateValues.getLong(state, "seen");
    n = StateValues.getLong(state, "n");
    double[] values = new double[statistics.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = StateValues.getDouble(state, statistics.get(i));
    }
    restoreStatistics(values);
    restartNext = StateValues.getLong(state, "restartNext") != 0;
  }
}
