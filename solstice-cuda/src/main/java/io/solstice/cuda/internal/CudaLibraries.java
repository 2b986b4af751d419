package io.solstice.cuda.internal;

import io.solstice.cuda.CudaUnavailableException;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Loader;

/**
 * Loads the JavaCPP CUDA presets and turns a failure into a {@link CudaUnavailableException}
 * that names the shared library that was not found.
 *
 * <p>The presets' JNI libraries link to the CUDA libraries installed on the machine
 * ({@code libcuda.so.1} from the driver, {@code libcudart.so.13}, {@code libcublas.so.13},
 * {@code libcublasLt.so.13} and {@code libnvrtc.so.13} from the CUDA 13 toolkit); the dynamic
 * linker finds them through {@code LD_LIBRARY_PATH} or its cache, or JavaCPP preloads them from
 * {@code -Dorg.bytedeco.javacpp.platform.preloadpath}.
 */
public final class CudaLibraries {

  private static final Pattern LIBRARY = Pattern.compile("(lib[A-Za-z0-9_+.-]*?\\.so(?:\\.[0-9]+)*)");
  /** JavaCPP's own JNI libraries, which are in its jar and never the missing piece. */
  private static final Pattern JNI = Pattern.compile("libjni[a-z]+\\.so");

  /**
   * The first failure per presets class. JavaCPP names the missing library only the first
   * time; later attempts fail with "Could not initialize class", so the first message is kept.
   */
  private static final Map<Class<?>, Throwable> FAILURES = new ConcurrentHashMap<>();

  private CudaLibraries() {}

  /** Loads the runtime (and driver API) presets: cudart. */
  public static void requireRuntime() {
    load(org.bytedeco.cuda.global.cudart.class, "the CUDA runtime and driver (cudart)");
  }

  /** Loads the cuBLAS presets. */
  public static void requireCublas() {
    requireRuntime();
    load(org.bytedeco.cuda.global.cublas.class, "cuBLAS");
  }

  /** Loads the NVRTC presets. */
  public static void requireNvrtc() {
    requireRuntime();
    load(org.bytedeco.cuda.global.nvrtc.class, "NVRTC");
  }

  private static void load(Class<?> presets, String what) {
    Throwable earlier = FAILURES.get(presets);
    if (earlier != null) {
      throw unavailable(what, earlier);
    }
    try {
      Loader.load(presets);
    } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
      FAILURES.putIfAbsent(presets, e);
      throw unavailable(what, FAILURES.get(presets));
    }
  }

  /**
   * The exception for a library that failed to load: names the shared libraries mentioned in
   * the failure (other than JavaCPP's own JNI ones) and says where they come from.
   *
   * @param what the library, in words
   * @param failure the loader's error
   * @return the exception to throw
   */
  public static CudaUnavailableException unavailable(String what, Throwable failure) {
    Set<String> missing = missingLibraries(failure);
    StringBuilder message = new StringBuilder("cannot load ").append(what).append(": ");
    if (missing.isEmpty()) {
      message.append(failure);
    } else {
      message.append(String.join(", ", missing)).append(" not found");
    }
    message.append(". The CUDA path needs an NVIDIA driver (libcuda.so.1) and the CUDA 13 ")
        .append("toolkit's libcudart.so.13, libcublas.so.13, libcublasLt.so.13 and ")
        .append("libnvrtc.so.13 on LD_LIBRARY_PATH (or -Dorg.bytedeco.javacpp.platform.preloadpath)");
    return new CudaUnavailableException(message.toString(), failure);
  }

  /** The non-JNI shared libraries named anywhere in the failure's messages, in order. */
  static Set<String> missingLibraries(Throwable failure) {
    Set<String> names = new LinkedHashSet<>();
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String text = String.valueOf(t.getMessage());
      for (String part : text.split("cannot open shared object file")) {
        Matcher matcher = LIBRARY.matcher(part);
        String last = null;
        while (matcher.find()) {
          last = matcher.group(1);
        }
        // The library the dynamic linker could not open is the last one named before
        // "cannot open shared object file"; the others are the JNI library being loaded.
        if (last != null && !JNI.matcher(last).matches() && text.contains(last + ": cannot open")) {
          names.add(last);
        }
      }
    }
    return names;
  }
}
