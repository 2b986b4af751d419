package io.solstice.benchmarks.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.nd4j.linalg.factory.Nd4j;

/** What the numbers were measured on: cores, CPU model, JVM, ND4J backend and threads, load. */
public final class MachineInfo {

  /** The environment variable OpenBLAS reads, when it loads, its idle threads' spin from. */
  public static final String OPENBLAS_THREAD_TIMEOUT = "OPENBLAS_THREAD_TIMEOUT";

  private MachineInfo() {}

  /**
   * The value of {@code OMP_NUM_THREADS}, or null when it is not set.
   *
   * @return the environment variable
   */
  public static String ompThreads() {
    return System.getenv("OMP_NUM_THREADS");
  }

  /**
   * The value of {@value #OPENBLAS_THREAD_TIMEOUT}, or null when it is not set.
   *
   * @return the environment variable
   */
  public static String openBlasThreadTimeout() {
    return System.getenv(OPENBLAS_THREAD_TIMEOUT);
  }

  /**
   * The system load average over the last minute, or -1 where the OS does not report it.
   *
   * @return the load average
   */
  public static double loadAverage() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return os.getSystemLoadAverage();
  }

  /**
   * The machine description.
   *
   * @return cores, CPU, JVM, backend, OMP threads and wait policy, OpenBLAS's idle spin,
   *     load average
   */
  public static Json.Obj describe() {
    Runtime rt = Runtime.getRuntime();
    Json.Obj out = Json.obj()
        .put("cores", rt.availableProcessors())
        .put("cpu", cpuModel())
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version")
            + " " + System.getProperty("os.arch"))
        .put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"))
        .put("max_heap_mb", rt.maxMemory() >> 20)
        .put("omp_num_threads", ompThreads())
        .put("omp_wait_policy", System.getenv("OMP_WAIT_POLICY"))
        .put("openblas_thread_timeout", openBlasThreadTimeout())
        .put("load_average_at_start", loadAverage());
    try {
      out.put("nd4j_backend", Nd4j.getBackend().getClass().getSimpleName());
      out.put("nd4j_threads", Nd4j.getEnvironment().maxMasterThreads());
    } catch (RuntimeException | LinkageError e) {
      out.put("nd4j_backend", "unavailable: " + e);
    }
    return out;
  }

  private static String cpuModel() {
    Path cpuinfo = Path.of("/proc/cpuinfo");
    if (!Files.isReadable(cpuinfo)) {
      return System.getProperty("os.arch");
    }
    try (Stream<String> lines = Files.lines(cpuinfo)) {
      return lines.filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse(System.getProperty("os.arch"));
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      return System.getProperty("os.arch");
    }
  }
}
