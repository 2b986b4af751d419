package io.solstice.examples.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A signal in a JVM of its own whose work never finishes: the first SIGTERM tells the work and
 * keeps the JVM waiting for it, the second ends the JVM at once.
 */
class InterruptionTest {
  @TempDir Path dir;

  /** Work that hears the signal and never finishes. */
  public static final class NeverFinishing {
    private NeverFinishing() {}

    /**
     * Installs the interruption, says so, and sleeps.
     *
     * @param args none
     * @throws InterruptedException never, in practice
     */
    public static void main(String[] args) throws InterruptedException {
      Interruption.install(() -> System.out.println("told to stop"));
      System.out.println("working");
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  @Test
  void aSecondSignalEndsTheJvmThatTheFirstKeepsWaitingForItsWork() throws Exception {
    Path log = dir.resolve("child.log");
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), NeverFinishing.class.getName())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      awaitLine(log, "working");

      child.destroy(); // SIGTERM
      awaitLine(log, "told to stop");
      assertThat(Files.readAllLines(log)).contains("solstice: finishing cleanly (Ctrl-C again quits at once)");
      // The work has not finished: the JVM waits for it (up to a minute).
      assertThat(child.waitFor(2, TimeUnit.SECONDS)).as("exited on the first signal").isFalse();

      child.destroy(); // SIGTERM again
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).as("exited on the second signal").isTrue();
      assertThat(child.exitValue()).isEqualTo(128 + 15);
    } finally {
      child.destroyForcibly();
    }
  }

  private static void awaitLine(Path log, String line) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!(Files.exists(log) && List.copyOf(Files.readAllLines(log)).contains(line))) {
      assertThat(System.nanoTime()).as("'" + line + "' in time").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
