package io.solstice.core.checkpoint;

/**
 * A checkpoint could not be written, read or applied: the file is incomplete or corrupt, an
 * array's checksum does not match, or the checkpoint does not fit the experiment. The message
 * names the file and, where one is at fault, the array.
 *
 * <p>Thread safety: like any exception, safe to hand to another thread once thrown; it holds
 * only its message and cause.
 */
public class CheckpointException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file and array
   */
  public CheckpointException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong, naming the file and array
   * @param cause the underlying error
   */
  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
