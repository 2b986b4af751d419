package io.solstice.reactive;

import io.solstice.core.Mode;

/**
 * The error a run ends with when a step, a callback or a source throws. Its message names
 * where the run was (mode, epoch, global step of that mode); the original exception is the
 * {@linkplain #getCause() cause}. By the time a subscriber sees it, every batch of the run has
 * been closed and every callback's {@code onRunEnd} has been called with {@code FAILED}.
 */
public class TrainingException extends RuntimeException {

  /** Serial form version. */
  private static final long serialVersionUID = 1L;

  /** The mode of the epoch in progress. */
  private final Mode mode;

  /** The epoch in progress. */
  private final int epoch;

  /** The global step of that mode. */
  private final long globalStep;

  /**
   * Creates the exception.
   *
   * @param mode the mode of the epoch in progress
   * @param epoch the epoch in progress, from 0
   * @param globalStep the step of that mode that failed (or that would have run next, when
   *     the source failed)
   * @param cause what went wrong
   */
  public TrainingException(Mode mode, int epoch, long globalStep, Throwable cause) {
    super(describe(mode, epoch, globalStep, cause), cause);
    this.mode = mode;
    this.epoch = epoch;
    this.globalStep = globalStep;
  }

  private static String describe(Mode mode, int epoch, long globalStep, Throwable cause) {
    return mode + " failed in epoch " + epoch + " at " + mode.label() + " step " + globalStep
        + ": " + cause;
  }

  /**
   * The mode of the epoch in progress when the run failed.
   *
   * @return TRAIN, VAL or TEST
   */
  public Mode mode() {
    return mode;
  }

  /**
   * The epoch in progress when the run failed.
   *
   * @return the epoch, from 0
   */
  public int epoch() {
    return epoch;
  }

  /**
   * The global step of {@link #mode()} at which the run failed.
   *
   * @return the step number, from 0
   */
  public long globalStep() {
    return globalStep;
  }
}
