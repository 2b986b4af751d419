package io.solstice.core;

/**
 * A batch refused by an experiment that {@link RefusesNonFiniteFeatures}: its features hold a NaN
 * or an infinity. Thrown from the step before it changed anything, so the experiment can go on
 * with the next batch.
 *
 * <p>Thread safety: like any exception, safe to hand to another thread once thrown.
 */
public class NonFiniteFeaturesException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** {@code "NaN"} or {@code "infinity"}. */
  private final String found;

  /**
   * Creates the exception.
   *
   * @param found what the features hold: {@code "NaN"} (also when they hold infinities too) or
   *     {@code "infinity"}
   */
  public NonFiniteFeaturesException(String found) {
    super("the batch's features hold " + ("NaN".equals(found) ? "a NaN" : "an infinity")
        + "; clean the data, or fill the missing values before training");
    this.found = found;
  }

  /**
   * What the features hold.
   *
   * @return {@code "NaN"} or {@code "infinity"}
   */
  public String found() {
    return found;
  }
}
