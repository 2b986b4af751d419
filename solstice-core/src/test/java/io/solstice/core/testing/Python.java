package io.solstice.core.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs small python3 scripts (numpy, scikit-learn) for interoperability and reference tests.
 * The interpreter is {@code python3} on the PATH unless the environment variable {@code
 * SOLSTICE_PYTHON} names another. A test that needs a module skips when it is missing, unless
 * the environment requires it (as CI does): {@code SOLSTICE_REQUIRE_NUMPY=true} for numpy,
 * {@code SOLSTICE_REQUIRE_SKLEARN=true} for scikit-learn; then a missing module fails the test.
 */
public final class Python {

  private static final String INTERPRETER =
      System.getenv().getOrDefault("SOLSTICE_PYTHON", "python3");

  private static final Map<String, Boolean> AVAILABLE = new HashMap<>();

  private Python() {}

  /** Skips the calling test unless python3 with numpy can be started (checked once). */
  public static void assumeNumpy() {
    assumeModule("numpy", "SOLSTICE_REQUIRE_NUMPY");
  }

  /**
   * Skips the calling test unless python3 with scikit-learn (Debian's python3-sklearn) can be
   * started (checked once).
   */
  public static void assumeScikitLearn() {
    assumeModule("sklearn", "SOLSTICE_REQUIRE_SKLEARN");
  }

  private static synchronized void assumeModule(String module, String requiredBy) {
    Boolean available = AVAILABLE.get(module);
    if (available == null) {
      try {
        available = run("import " + module).exitCode == 0;
      } catch (IOException e) {
        available = false;
      }
      AVAILABLE.put(module, available);
    }
    boolean required = Boolean.parseBoolean(System.getenv().getOrDefault(requiredBy, "false"));
    if (required && !available) {
      throw new AssertionError(INTERPRETER + " with " + module + " is required (" + requiredBy + ") but missing");
    }
    assumeTrue(available, INTERPRETER + " with " + module + " is not installed; skipping the check");
  }

  /**
   * Runs a script with the interpreter.
   *
   * @param script the program text
   * @param args arguments, available as sys.argv[1:]
   * @return exit code and output
   * @throws IOException when python3 cannot be started
   */
  public static Result run(String script, String... args) throws IOException {
    String[] command = new String[args.length + 3];
    command[0] = INTERPRETER;
    command[1] = "-c";
    command[2] = script;
    System.arraycopy(args, 0, command, 3, args.length);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("python3 did not finish in 60 s");
      }
      return new Result(process.exitValue(), output);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /**
   * What a script did.
   *
   * @param exitCode its exit code
   * @param output stdout and stderr
   */
  public record Result(int exitCode, String output) {}
}
