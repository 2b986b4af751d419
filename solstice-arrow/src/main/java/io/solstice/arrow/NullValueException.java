package io.solstice.arrow;

/**
 * A feature or label column holds nulls and no fill value was configured for it.
 *
 * <p>Thread safety: like any exception, safe to hand to another thread once thrown; it holds
 * only its message and cause.
 */
public final class NullValueException extends ArrowDataException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param column the column concerned, or {@code null}
   * @param message what was found and what was expected
   */
  public NullValueException(String column, String message) {
    super(column, message, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param column the column concerned, or {@code null}
   * @param message what was found and what was expected
   * @param cause the underlying failure
   */
  public NullValueException(String column, String message, Throwable cause) {
    super(column, message, cause);
  }
}
