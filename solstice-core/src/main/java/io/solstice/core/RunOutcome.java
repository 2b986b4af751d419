package io.solstice.core;

import java.util.Objects;
import java.util.Optional;

/**
 * How a run ended, as reported to {@link Callback#onRunEnd}.
 *
 * <p>Thread safety: immutable (a record); safe to share.
 *
 * @param status the kind of ending
 * @param cause the exception behind {@link Status#FAILED} or {@link Status#STOPPED_EARLY};
 *     null for the other statuses
 */
public record RunOutcome(Status status, Throwable cause) {

  /** The ways a run can end. */
  public enum Status {
    /** Every epoch (or the whole source) ran. */
    COMPLETED,
    /** A callback threw {@link EarlyStoppingException}, or a step, time or batch limit hit. */
    STOPPED_EARLY,
    /** A step, a callback or the source threw. */
    FAILED,
    /** The subscriber cancelled the run. */
    CANCELLED
  }

  /** Validates the status. */
  public RunOutcome {
    Objects.requireNonNull(status, "status");
  }

  /** A run that completed. */
  public static final RunOutcome COMPLETED = new RunOutcome(Status.COMPLETED, null);

  /** A run cancelled by its subscriber. */
  public static final RunOutcome CANCELLED = new RunOutcome(Status.CANCELLED, null);

  /**
   * A run stopped early.
   *
   * @param reason the exception that stopped it, or null when a limit stopped it
   * @return the outcome
   */
  public static RunOutcome stoppedEarly(Throwable reason) {
    return new RunOutcome(Status.STOPPED_EARLY, reason);
  }

  /**
   * A run that failed.
   *
   * @param error what failed
   * @return the outcome
   */
  public static RunOutcome failed(Throwable error) {
    return new RunOutcome(Status.FAILED, Objects.requireNonNull(error, "error"));
  }

  /**
   * The cause, if any.
   *
   * @return the exception behind this outcome
   */
  public Optional<Throwable> error() {
    return Optional.ofNullable(cause);
  }
}
