package io.solstice.core.nd4j;

/**
 * Whether this JVM runs a loop written on Java 17's incubating Vector API ({@code
 * jdk.incubator.vector}). The JVM resolves that module only when started with {@code
 * --add-modules=jdk.incubator.vector} (and then prints a warning that it uses an incubator
 * module), and Java 19 replaced the API's {@link java.nio.ByteBuffer} methods with memory
 * segments, so each such loop keeps a plain Java twin and asks here, once, which one to run.
 *
 * <p>Thread safety: stateless.
 */
public final class VectorApi {

  private VectorApi() {}

  /**
   * Runs a loop's probe: a call of the loop on a few values.
   *
   * @param probe calls the loop; a JVM without the module, or with a later version of its API,
   *     fails there with a {@link LinkageError}
   * @return whether the module is there and the probe ran
   */
  public static boolean runs(Runnable probe) {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return false;
    }
    try {
      probe.run();
      return true;
    } catch (LinkageError unusable) {
      return false;
    }
  }
}
