package io.solstice.examples.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fingerprint sees the changes it claims to see, and misses the one it says it misses. */
class DataFingerprintTest {
  @TempDir Path dir;

  @Test
  void aDirectorysFingerprintChangesWithANameASizeOrAnEnd() throws IOException {
    Path table = Files.createDirectories(dir.resolve("table"));
    Files.write(table.resolve("part-0.csv"), "a,b\n1,2\n".getBytes());
    Files.write(table.resolve("part-1.csv"), "a,b\n3,4\n".getBytes());
    String original = DataFingerprint.of(table);
    assertThat(original).startsWith("files=2 bytes=16 crc32c=");
    assertThat(DataFingerprint.of(table)).isEqualTo(original);

    Files.write(table.resolve("part-1.csv"), "a,b\n3,5\n".getBytes());
    String edited = DataFingerprint.of(table);
    assertThat(edited).isNotEqualTo(original);
    Files.move(table.resolve("part-1.csv"), table.resolve("part-2.csv"));
    assertThat(DataFingerprint.of(table)).isNotEqualTo(edited);
  }

  @Test
  void anEditInTheMiddleOfALargeFileThatKeepsItsSizeGoesUnseen() throws IOException {
    byte[] bytes = new byte[3 * DataFingerprint.EDGE];
    Arrays.fill(bytes, (byte) '1');
    Path file = Files.write(dir.resolve("large.csv"), bytes);
    String original = DataFingerprint.of(file);

    bytes[bytes.length / 2] = '2';
    Files.write(file, bytes);
    assertThat(DataFingerprint.of(file)).as("the documented blind spot").isEqualTo(original);

    bytes[bytes.length - 1] = '2';
    Files.write(file, bytes);
    assertThat(DataFingerprint.of(file)).isNotEqualTo(original);
  }
}
