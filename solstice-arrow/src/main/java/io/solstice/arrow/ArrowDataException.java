package io.solstice.arrow;

/**
 * The input data does not fit what was asked of it: a column is missing or has the wrong type,
 * values are out of range, or the bytes are not valid Arrow. Subclasses name the case; every
 * message names the column (where there is one) and what was expected.
 *
 * <p>When this is thrown from a source, every buffer the source held has been released.
 *
 * <p>Thread safety: like any exception, safe to hand to another thread once thrown; it holds
 * only its message and cause.
 */
public class ArrowDataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String column;

  /**
   * Creates the exception.
   *
   * @param column the column concerned, or {@code null} when the problem is not about a column
   * @param message what was found and what was expected
   * @param cause the underlying failure, or {@code null}
   */
  public ArrowDataException(String column, String message, Throwable cause) {
    super(column == null ? message : "column '" + column + "': " + message, cause);
    this.column = column;
  }

  /**
   * The column concerned.
   *
   * @return the column name, or {@code null} when the problem is not about one column
   */
  public String column() {
    return column;
  }
}
