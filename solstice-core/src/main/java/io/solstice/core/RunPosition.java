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
 * <p>A position from a checkpoint or a run's end also carries the {@code engineState}: what the
 * engine needs besides the counters to continue exactly, in the form it saved: the sums it would
 * otherwise start over (the merge of the epoch's train outputs so far, prequential evaluation)
 * and a step-cadence validation that a stop cut short, which the resumed run repeats. The
 * positions on a run's other events carry none. Two positions are equal when their counters
 * are: the engine state says how the run got there, not where it stands.
 *
 * <p>Thread safety: immutable; safe to share.
 *
 * @param epoch the epoch in progress (or about to start), from 0
 * @param batchesIntoEpoch training batches of that epoch already trained on
 * @param trainSteps train steps done in the whole run
 * @param valSteps val steps done in the whole run
 * @param engineState the engine's saved state, a JSON-compatible map; empty when none is carried
 */
public record RunPosition(int epoch, long batchesIntoEpoch, long trainSteps, long valSteps,
    Map<String, Object> engineState) {

  /** The start of a fresh run. */
  public static final RunPosition START = new RunPosition(0, 0, 0, 0);

  /** Validates that no counter is negative, and freezes the engine state. */
  public RunPosition {
    if (epoch < 0 || batchesIntoEpoch < 0 || trainSteps < 0 || valSteps < 0) {
      throw new IllegalArgumentException(
          "counters must be >= 0: epoch=" + epoch + ", batchesIntoEpoch=" + batchesIntoEpoch
              + ", trainSteps=" + trainSteps + ", valSteps=" + valSteps);
    }
    engineState = Collections.unmodifiableMap(
        new LinkedHashMap<>(Objects.requireNonNull(engineState, "engineState")));
  }

  /**
   * A position that carries no engine state.
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
   * This position carrying this engine state.
   *
   * @param engineState the engine's saved state
   * @return the position
   */
  public RunPosition withEngineState(Map<String, Object> engineState) {
    return new RunPosition(epoch, batchesIntoEpoch, trainSteps, valSteps, engineState);
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
        + trainSteps + ", valSteps=" + valSteps
        + (engineState.isEmpty() ? "" : ", engineState=" + engineState.keySet()) + "]";
  }
}
