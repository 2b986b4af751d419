package io.solstice.examples.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output files are written whole or not at all, and a failure says which file and why. */
class OutputFilesTest {
  @TempDir Path dir;

  private Stream<Path> everything() throws IOException {
    return Files.walk(dir).filter(Files::isRegularFile);
  }

  @Test
  void replacesAFileWholeAndCreatesMissingDirectories() throws IOException {
    Path target = dir.resolve("a/b/report.json");
    OutputFiles.LOCAL.writeString(target, "old");
    OutputFiles.LOCAL.writeJson(target, java.util.Map.of("r2", 0.5));

    assertThat(Files.readString(target)).contains("\"r2\" : 0.5");
    try (var files = everything()) {
      assertThat(files).containsExactly(target);
    }
  }

  @Test
  void aFailedWriteLeavesTheOldFileAndNoTemporaryOne() throws IOException {
    Path target = Files.writeString(dir.resolve("data.arrow"), "the old content");

    assertThatThrownBy(() -> OutputFiles.LOCAL.write(target, channel -> {
      channel.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
      throw new IOException("No space left on device");
    })).isInstanceOf(IOException.class).hasMessage("cannot write " + target + ": No space left on device");

    assertThat(Files.readString(target)).isEqualTo("the old content");
    try (var files = everything()) {
      assertThat(files).containsExactly(target);
    }
  }

  @Test
  void aFileWhereADirectoryShouldBeIsNamed() throws IOException {
    Path blocker = Files.writeString(dir.resolve("work"), "");

    assertThatThrownBy(() -> OutputFiles.LOCAL.writeString(blocker.resolve("report.json"), "{}"))
        .hasMessage("cannot write " + blocker.resolve("report.json") + ": " + blocker
            + " exists and is not a directory");
  }
}
