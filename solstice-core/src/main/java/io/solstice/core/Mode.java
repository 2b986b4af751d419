package io.solstice.core;

/**
 * What a step or an epoch is doing: training, validating during training, or testing.
 *
 * <p>Thread safety: an enum, safe to share.
 */
public enum Mode {
  /** An optimisation step through {@link Experiment#trainStep}. */
  TRAIN,
  /** An evaluation step on the validation source, run during training. */
  VAL,
  /** An evaluation step on the test source, run by a test loop. */
  TEST;

  /**
   * The lower-case name used in logs, metric keys and file names ({@code train}, {@code val},
   * {@code test}).
   *
   * @return the label
   */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
