package io.solstice.arrow;

import java.util.Locale;

/**
 * The three parts a table is split into by {@link TableSplit}.
 *
 * <p>Thread safety: an enum, immutable.
 */
public enum Split {
  /** Trained on. */
  TRAIN,
  /** Evaluated during training, for early stopping and model choice. */
  VALIDATION,
  /** Held out until the end, for the final report. */
  TEST;

  /**
   * The lower-case name, for messages and file names ("train", "validation", "test").
   *
   * @return the name
   */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
