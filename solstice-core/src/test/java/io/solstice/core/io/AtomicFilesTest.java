package io.solstice.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A replaced file is either entirely old or entirely new. */
class AtomicFilesTest {

  @TempDir Path dir;

  @Test
  void replacesTheTargetAndLeavesNoTemporaryFile() throws IOException {
    Path target = dir.resolve("latest");
    Files.writeString(target, "old");

    AtomicFiles.write(target, out -> out.write("new".getBytes(StandardCharsets.UTF_8)));

    assertThat(Files.readString(target)).isEqualTo("new");
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(target);
    }
  }

  @Test
  void aWriterThatFailsHalfwayLeavesTheOldContentAndNoTemporaryFile() throws IOException {
    Path target = dir.resolve("latest");
    Files.writeString(target, "old");

    assertThatThrownBy(() -> AtomicFiles.write(target, out -> {
      out.write("half of the new".getBytes(StandardCharsets.UTF_8));
      throw new IOException("disk full");
    })).hasMessage("disk full");

    assertThat(Files.readString(target)).isEqualTo("old");
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(target);
    }
  }

  @Test
  void aMissingDirectoryIsNamedWithTheTargetNotATemporaryFile() {
    Path target = dir.resolve("absent").resolve("model.onnx");

    assertThatThrownBy(() -> AtomicFiles.write(target, out -> out.write(1)))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessage(target + ": no such directory: " + target.getParent());
  }
}
