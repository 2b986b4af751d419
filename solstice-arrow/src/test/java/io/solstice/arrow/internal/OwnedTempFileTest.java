package io.solstice.arrow.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Temporary files that a killed process leaves behind are deleted by the next one made, in any
 * process, and only those: a file whose process lives, in this JVM or another, stays.
 */
class OwnedTempFileTest {
  private static final String PREFIX = "solstice-test-";

  @TempDir Path dir;

  @Test
  void closingDeletesTheFileAndItsLock() throws IOException {
    OwnedTempFile file = OwnedTempFile.create(dir, PREFIX, ".csv");
    Files.writeString(file.path(), "a,b\n");
    assertThat(file.path().getFileName().toString()).startsWith(PREFIX).endsWith(".csv");
    assertThat(dir.resolve(file.path().getFileName() + ".lock")).exists();

    file.close();

    try (var left = Files.list(dir)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void aFileWhoseLockNoProcessHoldsIsDeletedByTheNextOneMadeAndAHeldOneIsNot() throws IOException {
    // As a killed process leaves them: the file and its lock file, the lock released.
    Path leftFile = Files.writeString(dir.resolve(PREFIX + "1.csv"), "x\n");
    Path leftLock = Files.createFile(dir.resolve(PREFIX + "1.csv.lock"));
    // No lock file: not one of these, or made by a process between its two files.
    Path unmarked = Files.writeString(dir.resolve(PREFIX + "2.csv"), "x\n");

    try (OwnedTempFile held = OwnedTempFile.create(dir, PREFIX, ".csv");
        OwnedTempFile next = OwnedTempFile.create(dir, PREFIX, ".csv")) {
      assertThat(leftFile).doesNotExist();
      assertThat(leftLock).doesNotExist();
      assertThat(unmarked).exists();
      assertThat(held.path()).exists();
      assertThat(next.path()).exists();
    }
  }

  @Test
  void aFileOfAnotherLiveProcessStaysAndIsDeletedOnceThatProcessIsKilled() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), Holder.class.getName(), dir.toString())
        .redirectErrorStream(true)
        .start();
    Path childFile;
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).as("the child's file").isNotNull().startsWith("made ");
      childFile = Path.of(line.substring("made ".length()));

      try (OwnedTempFile mine = OwnedTempFile.create(dir, PREFIX, ".csv")) {
        assertThat(childFile).as("while its process lives").exists();
      }
    } finally {
      child.destroyForcibly(); // SIGKILL on Linux: the child deletes nothing
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(childFile).as("left by the killed child").exists();

    try (OwnedTempFile mine = OwnedTempFile.create(dir, PREFIX, ".csv")) {
      assertThat(childFile).doesNotExist();
      assertThat(dir.resolve(childFile.getFileName() + ".lock")).doesNotExist();
    }
  }

  /** A process that makes a file, says which, and waits to be killed. */
  public static final class Holder {
    public static void main(String[] args) throws Exception {
      OwnedTempFile file = OwnedTempFile.create(Path.of(args[0]), PREFIX, ".csv");
      System.out.println("made " + file.path());
      System.out.flush();
      Thread.sleep(TimeUnit.MINUTES.toMillis(5));
    }
  }
}
