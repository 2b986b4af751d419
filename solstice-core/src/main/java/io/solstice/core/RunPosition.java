package io.solstice.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where a training run stands: the loop counters a checkpoint stores and a resumed run starts
 * from. A run started at a position behaves as if the steps before it had already happened:
 * it begins in {@code epoch}, skips the first {@code batchesIntoEpoch} training batches of that
 * epoch, and numbers its next train and val steps {@code trainSteps} and {@code valSteps}.
 *
 * <p>A position read from a checkpoint also carries the run's {@code totals}: what the engine
 * had summed up to that point and would otherwise start over (the merge of the epoch's train
 * outputs so far, prequential evaluation), in the saved form the engine wrote. A run resumed
 * from it continues those sums, so its epoch metrics are those of an uninterrupted run. The
 * positions on a run's events carry none (a checkpoint takes the totals when it is written).
 * Two positions are equal when their counters are: the totals say what was summed on the way
 * there, not where the run stands.
 *
 * <p>Thread safety: immutable; safe to share.
 *
 * @param epoch the epoch in progress (or about to start), from 0
 * @param batchesIntoEpoch training batches of that epoch already trained on
 * @param trainSteps train steps done in the whole run
 * @param valSteps val steps done in the whole run
 * @param totals the engine's saved totals, a JSON-compatible map; empty when none are carried
 */
public record RunPosition(int epoch, long batchesIntoEpoch, long trainSteps, long valSteps,
    Map<String, Object> totals) {

  /** The start of a fresh run. */
  public static final RunPosition START = new RunPosition(0, 0, 0, 0);

  /** Validates that no counter is negative, and freezes the totals. */
  public RunPosition {
    if (epoch < 0 || batchesIntoEpoch < 0 || trainSteps < 0 || valSteps < 0) {
      throw new IllegalArgumentException(
          "counters must be >= 0: epoch=" + epoch + ", batchesIntoEpoch=" + batchesIntoEpoch
              + ", trainSteps=" + trainSteps + ", valSteps=" + valSteps);
    }
    totals = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(totals, "totals")));
  }

  /**
   * A position that carries no totals.
   *
   * @param epoch the epoch in progress (or about to start), from 0
   * @param batchesIntoEpoch training batches of that epoch already trained on
   * @param trainSteps train steps done in the whole run
   * @param valSteps val steps done in the whole run
   */
  public RunPosition(int epoch, long batchesIntoEpoch, long trainSteps, long valSteps) {
    this(epoch, batchesIntoEpoch, trainSteps, valSteps, Map.of());
  }

  /**
   * This position carrying these totals.
   *
   * @param totals the engine's saved totals
   * @return the position
   */
  public RunPosition withTotals(Map<String, Object> totals) {
    return new RunPosition(epoch, batchesIntoEpoch, trainSteps, valSteps, totals);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RunPosition other && epoch == other.epoch
        && batchesIntoEpoch == other.batchesIntoEpoch && trainSteps == other.trainSteps
        && valSteps == other.valSteps;
  }

  @Override
  public int hashCode() {
    return Objects.hash(epoch, batchesIntoEpoch, trainSteps, valSteps);
  }

  @Override
  public String toString() {
    return "RunPosition[epoch=" + epoch + ", batchesIntoEpoch=" + batchesIntoEpoch + ", trainSteps="
        + trainSteps + ", valSteps=" + valSteps + (totals.isEmpty() ? "" : ", totals=" + totals.keySet())
        + "]";
  }
}
