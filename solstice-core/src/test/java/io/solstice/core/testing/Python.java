package io.solstice.core.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Runs small python3 + numpy scripts for interoperability tests. The interpreter is {@code
 * python3} on the PATH unless the environment variable {@code SOLSTICE_PYTHON} names another;
 * with {@code SOLSTICE_REQUIRE_NUMPY=true} (as CI sets it) a missing numpy fails the test
 * instead of skipping it.
 */
public final class Python {

  private static final String INTERPRETER =
      System.getenv().getOrDefault("SOLSTICE_PYTHON", "python3");
  private static final boolean REQUIRED =
      Boolean.parseBoolean(System.getenv().getOrDefault("SOLSTICE_REQUIRE_NUMPY", "false"));

  private static Boolean numpyAvailable;

  private Python() {}

  /** Skips the calling test unless python3 with numpy can be started (checked once). */
  public static synchronized void assumeNumpy() {
    if (numpyAvailable == null) {
      try {
        numpyAvailable = run("import numpy").exitCode == 0;
      } catch (IOException e) {
        numpyAvailable = false;
      }
    }
    if (REQUIRED && !numpyAvailable) {
      throw new AssertionError(INTERPRETER + " with numpy is required (SOLSTICE_REQUIRE_NUMPY) but missing");
    }
    assumeTrue(numpyAvailable, INTERPRETER + " with numpy is not installed; skipping the numpy check");
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
