package io.solstice.online.drift;

/** What a {@link DriftDetector} concludes from one more value. */
public enum DriftState {
  /** No change. */
  STABLE,
  /** The values may be changing: a detector with a warning level (DDM) is above it. */
  WARNING,
  /** A change was detected at this value. */
  DRIFT
}
