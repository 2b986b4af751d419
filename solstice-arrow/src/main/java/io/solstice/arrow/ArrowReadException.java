package io.solstice.arrow;

/**
 * Reading a source failed for a reason other than its bytes: the input of an IPC source could
 * not be opened (a missing file, an opener that threw), the allocator refused memory, or the
 * input under an IPC source threw an {@code IOException} (a disk or network failure). Nothing is
 * known to be wrong with the data, so this is not an {@link ArrowDataException}: unlike a
 * {@link CorruptIpcException}, the same read may succeed with more memory or once the input is
 * there. The message names the source and what happened; the cause is the opener's or the
 * input's exception, or holds Arrow's {@code OutOfMemoryException}.
 *
 * <p>When this is thrown from a source, every buffer the source held has been released.
 *
 * <p>Thread safety: like any exception, safe to hand to another thread once thrown; it holds
 * only its message and cause.
 */
public final class ArrowReadException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message the source and what happened
   * @param cause the underlying failure
   */
  public ArrowReadException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The exception for an input that could not be opened (a missing file, an opener that threw).
   *
   * @param sourceName the source, for the message
   * @param cause the opener's exception
   * @return the exception
   */
  public static ArrowReadException cannotOpen(String sourceName, Exception cause) {
    return new ArrowReadException(sourceName + ": cannot open the input (" + cause + ")", cause);
  }
}
