package io.solstice.examples.data;

/**
 * A mistake of the user's that the command line reports in one line with exit code 2: a missing
 * file, an option that does not fit the data, nothing to resume.
 */
public final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is wrong and what to do about it
   */
  public UsageException(String message) {
    super(message);
  }
}
