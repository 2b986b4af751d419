package io.solstice.examples.job;

/** The three parts of a data set a classifier job uses. */
public enum Split {
  /** Trained on. */
  TRAIN,
  /** Evaluated after each epoch, for early stopping and the best checkpoint. */
  VAL,
  /** Evaluated once at the end, for the report. */
  TEST
}
