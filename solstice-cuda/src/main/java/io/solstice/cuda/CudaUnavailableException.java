package io.solstice.cuda;

/**
 * No usable CUDA here: a CUDA library could not be loaded (the message names the missing
 * file, for example {@code libcuda.so.1}, the NVIDIA driver), no CUDA device is visible, or the
 * requested device index does not exist. Nothing was allocated on any device.
 */
public class CudaUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * An exception with this message.
   *
   * @param message what is missing and what to do about it
   * @param cause the underlying failure, or null
   */
  public CudaUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
