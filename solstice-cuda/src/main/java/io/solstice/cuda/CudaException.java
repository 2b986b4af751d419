package io.solstice.cuda;

/**
 * A CUDA, cuBLAS or NVRTC call failed on a device that was available: the message names the
 * call and the library's own error name and text (and, for a failed kernel compilation, the
 * compiler's log).
 */
public class CudaException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * An exception with this message.
   *
   * @param message the call and the error
   */
  public CudaException(String message) {
    super(message);
  }
}
