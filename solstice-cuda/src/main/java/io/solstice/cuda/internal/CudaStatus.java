package io.solstice.cuda.internal;

import static org.bytedeco.cuda.global.cudart.cuGetErrorName;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorName;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;

import io.solstice.cuda.CudaException;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.javacpp.BytePointer;

/** Turns the status codes of CUDA, cuBLAS and NVRTC calls into {@link CudaException}s. */
public final class CudaStatus {

  private CudaStatus() {}

  /**
   * Checks a CUDA runtime call.
   *
   * @param status the returned cudaError_t
   * @param call the call, for the message
   */
  public static void check(int status, String call) {
    if (status != 0) {
      throw new CudaException(
          call + " failed: " + cudaGetErrorName(status).getString() + " ("
              + cudaGetErrorString(status).getString() + ")");
    }
  }

  /**
   * Checks a CUDA driver API call.
   *
   * @param status the returned CUresult
   * @param call the call, for the message
   */
  public static void checkDriver(int status, String call) {
    if (status != 0) {
      BytePointer name = new BytePointer();
      String text =
          cuGetErrorName(status, name) == 0 && !name.isNull() ? name.getString() : "CUresult " + status;
      throw new CudaException(call + " failed: " + text);
    }
  }

  /**
   * Checks a cuBLAS call.
   *
   * @param status the returned cublasStatus_t
   * @param call the call, for the message
   */
  public static void checkBlas(int status, String call) {
    if (status != cublas.CUBLAS_STATUS_SUCCESS) {
      throw new CudaException(
          call + " failed: " + cublas.cublasGetStatusName(status).getString() + " ("
              + cublas.cublasGetStatusString(status).getString() + ")");
    }
  }

  /**
   * Checks an NVRTC call.
   *
   * @param status the returned nvrtcResult
   * @param call the call, for the message
   */
  public static void checkNvrtc(int status, String call) {
    if (status != nvrtc.NVRTC_SUCCESS) {
      throw new CudaException(call + " failed: " + nvrtc.nvrtcGetErrorString(status).getString());
    }
  }
}
