package io.solstice.arrow;

/**
 * Bytes that are not valid Arrow IPC: a bad magic number, truncated input, a malformed message, or a message declaring more bytes than the input holds (refused before anything is allocated).
 * A read that fails for another reason (an input that cannot be opened, the allocator's limit,
 * an I/O error of the input under an IPC stream or file) is an {@link ArrowReadException} instead.
 *
 * <p>Thread safety: like any exception, safe to hand to another thread once thrown; it holds
 * only its message and cause.
 */
public final class CorruptIpcException extends ArrowDataException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param column the column concerned, or {@code null}
   * @param message what was found and what was expected
   */
  public CorruptIpcException(String column, String message) {
    super(column, message, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param column the column concerned, or {@code null}
   * @param message what was found and what was expected
   * @param cause the underlying failure
   */
  public CorruptIpcException(String column, String message, Throwable cause) {
    super(column, message, cause);
  }
}
