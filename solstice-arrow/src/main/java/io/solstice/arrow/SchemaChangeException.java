package io.solstice.arrow;

/**
 * A source's schema changed between two batches of one stream (for example two Parquet files of one directory that disagree).
 *
 * <p>Thread safety: like any exception, safe to hand to another thread once thrown; it holds
 * only its message and cause.
 */
public final class SchemaChangeException extends ArrowDataException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param column the column concerned, or {@code null}
   * @param message what was found and what was expected
   */
  public SchemaChangeException(String column, String message) {
    super(column, message, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param column the column concerned, or {@code null}
   * @param message what was found and what was expected
   * @param cause the underlying failure
   */
  public SchemaChangeException(String column, String message, Throwable cause) {
    super(column, message, cause);
  }
}
