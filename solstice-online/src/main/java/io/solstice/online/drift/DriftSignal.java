package io.solstice.online.drift;

import io.solstice.reactive.RunControl;
import io.solstice.reactive.TrainingEvent;
import java.util.Optional;

/**
 * A warning or a drift, emitted by {@link DriftDetection} and, as the detail of a {@link
 * TrainingEvent.SignalRaised} named {@code drift} or {@code warning}, in a run's event stream.
 *
 * @param detector the detector's name ({@code adwin}, {@code page-hinkley}, {@code ddm})
 * @param state {@link DriftState#WARNING} or {@link DriftState#DRIFT}
 * @param position the index of the value that raised it among all values the detector has seen,
 *     from 0 (it continues across a checkpoint and resume)
 * @param estimate the detector's estimate of the current mean after that value
 */
public record DriftSignal(String detector, DriftState state, long position, double estimate) {

  /** The name of the run event of a drift. */
  public static final String DRIFT = "drift";

  /** The name of the run event of a warning. */
  public static final String WARNING = "warning";

  /**
   * Whether this is a drift rather than a warning.
   *
   * @return true for a drift
   */
  public boolean isDrift() {
    return state == DriftState.DRIFT;
  }

  /**
   * The name this signal has in a run's event stream.
   *
   * @return {@link #DRIFT} or {@link #WARNING}
   */
  public String eventName() {
    return isDrift() ? DRIFT : WARNING;
  }

  /**
   * Raises this signal in a run's event stream ({@link RunControl#raise}).
   *
   * @param run the run
   */
  public void raiseIn(RunControl run) {
    run.raise(eventName(), this);
  }

  /**
   * The drift signal an event carries, if it is one.
   *
   * @param event any event of a run
   * @return the signal of a {@link TrainingEvent.SignalRaised} whose detail is a drift signal, or
   *     empty
   */
  public static Optional<DriftSignal> of(TrainingEvent<?, ?> event) {
    return event instanceof TrainingEvent.SignalRaised<?, ?> raised
        ? raised.detail(DriftSignal.class)
        : Optional.empty();
  }
}
