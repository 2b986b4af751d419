package io.solstice.online.drift;

import io.solstice.core.checkpoint.StatefulCallback;

/**
 * A change detector over a stream of numbers, usually the per-row error (0 or 1) of a
 * classifier, or a loss. Feed it with {@link #update}, or apply it to a {@code Flux} with
 * {@link DriftDetection#signals}.
 *
 * <p>Its whole state is a {@link StatefulCallback} state, so a checkpoint can carry it ({@code
 * CheckpointCallback.builder(...).saveStateOf("adwin", detector)}) and a restored detector
 * continues exactly: the same values give the same signals at the same positions.
 *
 * <p>Not thread-safe: one stream feeds it.
 */
public interface DriftDetector extends StatefulCallback {

  /**
   * Adds one value.
   *
   * @param value the next value
   * @return the state after it
   */
  DriftState update(double value);

  /**
   * The detector's estimate of the mean of the current concept.
   *
   * @return the estimate
   */
  double estimate();

  /**
   * How many values the detector has seen since it was created (not reset by drifts).
   *
   * @return the count
   */
  long seen();

  /**
   * The detector's name in signals.
   *
   * @return for example {@code adwin}
   */
  String name();
}
