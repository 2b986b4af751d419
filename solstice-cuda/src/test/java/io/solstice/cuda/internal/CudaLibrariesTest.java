package io.solstice.cuda.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.abort;

import io.solstice.cuda.CudaDevice;
import io.solstice.cuda.CudaUnavailableException;
import org.junit.jupiter.api.Test;

class CudaLibrariesTest {

  @Test
  void namesTheLibraryTheDynamicLinkerCouldNotOpen() {
    UnsatisfiedLinkError cause =
        new UnsatisfiedLinkError(
            "/root/.javacpp/cache/cuda-13.1-9.19-1.5.13-linux-x86_64.jar/org/bytedeco/cuda/"
                + "linux-x86_64/libjnicudart.so: libcuda.so.1: cannot open shared object file: "
                + "No such file or directory");
    UnsatisfiedLinkError error = new UnsatisfiedLinkError("no jnicudart in java.library.path: /usr/lib");
    error.initCause(cause);

    CudaUnavailableException exception = CudaLibraries.unavailable("the CUDA runtime", error);

    assertThat(CudaLibraries.missingLibraries(error)).containsExactly("libcuda.so.1");
    assertThat(exception)
        .hasMessageStartingWith("cannot load the CUDA runtime: libcuda.so.1 not found.")
        .hasMessageContaining("LD_LIBRARY_PATH")
        .hasCause(error);
  }

  @Test
  void fallsBackToTheWholeErrorWhenNoLibraryIsNamed() {
    NoClassDefFoundError error = new NoClassDefFoundError("org/bytedeco/javacpp/Loader");

    assertThat(CudaLibraries.unavailable("cuBLAS", error))
        .hasMessageContaining("cannot load cuBLAS: java.lang.NoClassDefFoundError: org/bytedeco/javacpp/Loader");
  }

  /**
   * On a machine without the NVIDIA driver (this project's CPU machines) opening a device fails
   * with a message naming what is missing, every time (JavaCPP names the library only on the
   * first attempt).
   */
  @Test
  void openingADeviceWithoutCudaNamesWhatIsMissing() {
    CudaUnavailableException first = tryOpen();
    CudaUnavailableException second = tryOpen();

    assertThat(first.getMessage()).matches("(?s).*(lib[a-zA-Z]+\\.so\\.\\d+ not found|no CUDA device).*");
    assertThat(second).hasMessage(first.getMessage());
  }

  private static CudaUnavailableException tryOpen() {
    try (CudaDevice device = CudaDevice.open(0)) {
      abort("a CUDA device is available here (" + device + "): the no-GPU error path cannot be seen");
      return null;
    } catch (CudaUnavailableException e) {
      return e;
    }
  }

  @Test
  void aMissingDeviceIndexIsRefusedWithTheVisibleRange() {
    CudaUnavailableException e =
        catchThrowableOfType(() -> CudaDevice.open(Integer.MAX_VALUE).close(), CudaUnavailableException.class);
    assertThat(e).isNotNull();
    assertThat(e.getMessage()).matches("(?s).*(not found|no CUDA device).*");
  }
}
