package io.solstice.online.drift;

import java.util.Objects;

/**
 * Feeds a detector one value at a time and says which values raise a {@link DriftSignal}: every
 * drift, and a warning only when the state turns to warning (not for every value inside the
 * zone). The one place that rule lives, for the operator of {@link DriftDetection} and for {@link
 * DriftReaction}. Not thread-safe.
 */
final class SignalFeed {
  private final DriftDetector detector;
  private DriftState previous = DriftState.STABLE;

  SignalFeed(DriftDetector detector) {
    this.detector = Objects.requireNonNull(detector, "detector");
  }

  /**
   * Adds one value.
   *
   * @return the signal it raises, or null
   */
  DriftSignal offer(double value) {
    DriftState state = detector.update(value);
    boolean raise = state == DriftState.DRIFT
        || (state == DriftState.WARNING && previous != DriftState.WARNING);
    previous = state;
    return raise ? new DriftSignal(detector.name(), state, detector.seen() - 1, detector.estimate()) : null;
  }

  DriftDetector detector() {
    return detector;
  }

  /** Whether the last value left the detector in a warning zone (part of a checkpoint). */
  boolean inWarning() {
    return previous == DriftState.WARNING;
  }

  void restoreInWarning(boolean inWarning) {
    previous = inWarning ? DriftState.WARNING : DriftState.STABLE;
  }
}
