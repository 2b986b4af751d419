package io.solstice.reactive;

import io.solstice.core.Mode;

/**
 * NaN or infinity found in a batch's features or a step's loss. Under
 * {@link NonFinitePolicy#FAIL} it is the cause of the run's {@link TrainingException}; under
 * {@link NonFinitePolicy#STOP} it is the reason of the early stop. The message names the policy,
 * the mode, the epoch and the global step.
 */
public class NonFiniteException extends RuntimeException {

  /** Serial form version. */
  private static final long serialVersionUID = 1L;

  /** The policy in force. */
  private final NonFinitePolicy policy;

  /** The mode of the step. */
  private final Mode mode;

  /** The epoch of the step. */
  private final int epoch;

  /** The global step of that mode. */
  private final long globalStep;

  /** What held the value. */
  private final String what;

  /** Whether a batch's features held it, rather than a step's loss. */
  private final boolean inFeatures;

  /**
   * Creates the exception.
   *
   * @param policy the policy in force
   * @param mode the mode of the step
   * @param epoch the epoch, from 0
   * @param globalStep the global step of that mode, from 0
   * @param what what held the non-finite value, e.g. {@code "features (NaN)"} or {@code "loss
   *     (loss = NaN)"}
   * @param inFeatures whether that was a batch's features, rather than a step's loss
   * @param consequence what follows for the run, said after where it was found, or null
   */
  public NonFiniteException(NonFinitePolicy policy, Mode mode, int epoch, long globalStep, String what,
      boolean inFeatures, String consequence) {
    super("non-finite " + what + " in " + mode + " epoch " + epoch + " at " + mode.label()
        + " step " + globalStep + (consequence == null ? "" : "; " + consequence) + " (nonFinite policy " + policy
        + "; clean the data, lower the learning rate or clip gradients, or choose SKIP_BATCH or STOP with "
        + "Run.nonFinite)");
    this.policy = policy;
    this.mode = mode;
    this.epoch = epoch;
    this.globalStep = globalStep;
    this.what = what;
    this.inFeatures = inFeatures;
  }

  /**
   * What held the non-finite value: for example {@code "features (NaN)"} or {@code "loss (loss =
   * NaN)"}.
   *
   * @return the description
   */
  public String what() {
    return what;
  }

  /**
   * Whether a batch's features held the value, rather than a step's loss.
   *
   * @return true for the features
   */
  public boolean inFeatures() {
    return inFeatures;
  }

  /**
   * The policy in force when the value was found.
   *
   * @return the policy
   */
  public NonFinitePolicy policy() {
    return policy;
  }

  /**
   * The mode of the offending step.
   *
   * @return TRAIN, VAL or TEST
   */
  public Mode mode() {
    return mode;
  }

  /**
   * The epoch of the offending step.
   *
   * @return the epoch, from 0
   */
  public int epoch() {
    return epoch;
  }

  /**
   * The global step (of {@link #mode()}) of the offending batch.
   *
   * @return the step number, from 0
   */
  public long globalStep() {
    return globalStep;
  }
}
