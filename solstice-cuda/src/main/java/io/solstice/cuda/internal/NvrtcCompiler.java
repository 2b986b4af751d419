package io.solstice.cuda.internal;

import static org.bytedeco.cuda.global.nvrtc.NVRTC_SUCCESS;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCompileProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCreateProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcDestroyProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBIN;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBINSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetErrorString;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLog;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLogSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcVersion;

import io.solstice.cuda.CudaException;
import java.util.List;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * Compiles CUDA C source to machine code (CUBIN) for one architecture with NVRTC. NVRTC needs
 * no device, only {@code libnvrtc.so.13} (and, through the presets, the CUDA runtime).
 */
public final class NvrtcCompiler {

  private NvrtcCompiler() {}

  /**
   * NVRTC's version, major * 1000 + minor * 10 (as CUDA versions are written).
   *
   * @return for example 13000
   */
  public static int version() {
    CudaLibraries.requireNvrtc();
    int[] major = new int[1];
    int[] minor = new int[1];
    CudaStatus.checkNvrtc(nvrtcVersion(major, minor), "nvrtcVersion");
    return major[0] * 1000 + minor[0] * 10;
  }

  /**
   * Compiles the source.
   *
   * @param source CUDA C source
   * @param name the source's file name, for the compiler's messages
   * @param options the compiler options, for example {@code --gpu-architecture=sm_90}
   * @return the CUBIN image
   * @throws CudaException with the compiler's log when compilation fails
   */
  public static byte[] compile(String source, String name, List<String> options) {
    CudaLibraries.requireNvrtc();
    _nvrtcProgram program = new _nvrtcProgram();
    try (BytePointer text = new BytePointer(source);
        BytePointer fileName = new BytePointer(name)) {
      CudaStatus.checkNvrtc(
          nvrtcCreateProgram(program, text, fileName, 0, (PointerPointer<?>) null, (PointerPointer<?>) null),
          "nvrtcCreateProgram");
    }
    try (PointerPointer<?> flags = new PointerPointer<>(options.toArray(String[]::new))) {
      int status = nvrtcCompileProgram(program, options.size(), flags);
      if (status != NVRTC_SUCCESS) {
        throw new CudaException(
            "NVRTC could not compile " + name + " with " + options + ": "
                + nvrtcGetErrorString(status).getString() + "\n" + log(program));
      }
      try (SizeTPointer size = new SizeTPointer(1)) {
        CudaStatus.checkNvrtc(nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize");
        byte[] cubin = new byte[Math.toIntExact(size.get())];
        CudaStatus.checkNvrtc(nvrtcGetCUBIN(program, cubin), "nvrtcGetCUBIN");
        return cubin;
      }
    } finally {
      nvrtcDestroyProgram(program);
    }
  }

  private static String log(_nvrtcProgram program) {
    try (SizeTPointer size = new SizeTPointer(1)) {
      if (nvrtcGetProgramLogSize(program, size) != NVRTC_SUCCESS || size.get() <= 1) {
        return "(no log)";
      }
      byte[] log = new byte[Math.toIntExact(size.get())];
      nvrtcGetProgramLog(program, log);
      return new String(log, 0, log.length - 1, java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}
