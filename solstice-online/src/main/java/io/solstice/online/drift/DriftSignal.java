package io.solstice.online.drift;

/**
 * A warning or a drift, emitted by {@link DriftDetection}.
 *
 * @param detector the detector's name ({@code adwin}, {@code page-hinkley}, {@code ddm})
 * @param state {@link DriftState#WARNING} or {@link DriftState#DRIFT}
 * @param position the index of the value that raised it among all values the detector has seen,
 *     from 0 (it continues across a checkpoint and resume)
 * @param estimate the detector's estimate of the current mean after that value
 */
public record DriftSignal(String detector, DriftState state, long position, double estimate) {

  /**
   * Whether this is a drift rather than a warning.
   *
   * @return true for a drift
   */
  public boolean isDrift() {
    return state == DriftState.DRIFT;
  }
}
