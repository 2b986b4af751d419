package io.solstice.core;

/**
 * Thrown from any {@link Callback} hook to stop a run early. The engine catches it, ends the
 * run normally (the experiment trained so far is the result) and reports
 * {@link RunOutcome.Status#STOPPED_EARLY} to every callback's {@link Callback#onRunEnd}.
 *
 * <p>Unlike the Python original, which only honoured it at epoch end, every hook may throw it.
 *
 * <p>Thread safety: like any exception, safe to hand to another thread once thrown; it holds
 * only its message and cause.
 */
public class EarlyStoppingException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception with a reason that is logged and kept in the run's outcome.
   *
   * @param reason why training stops, for example {@code "val_loss did not improve for 3 epochs"}
   */
  public EarlyStoppingException(String reason) {
    super(reason, null, false, false);
  }
}
