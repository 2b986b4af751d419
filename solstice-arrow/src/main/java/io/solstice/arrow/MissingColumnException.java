package io.solstice.arrow;

/**
 * A column the feature spec names is not in the batch's schema.
 *
 * <p>Thread safety: like any exception, safe to hand to another thread once thrown; it holds
 * only its message and cause.
 */
public final class MissingColumnException extends ArrowDataException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param column the column concerned, or {@code null}
   * @param message what was found and what was expected
   */
  public MissingColumnException(String column, String message) {
    super(column, message, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param column the column concerned, or {@code null}
   * @param message what was found and what was expected
   * @param cause the underlying failure
   */
  public MissingColumnException(String column, String message, Throwable cause) {
    super(column, message, cause);
  }
}
