package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.metrics.ClassificationMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's code example compiles (it is main code), runs, and is the README's snippet. */
class QuickStartTest {

  @TempDir Path dir;

  @Test
  void theReadmeExampleTrainsAnAccurateClassifierOnArrowFiles() throws IOException {
    QuickStart.main(new String[] {dir.toString()});

    ClassificationMetrics test = QuickStart.trainAndTest(
        dir.resolve("train.arrow"), dir.resolve("val.arrow"), dir.resolve("test.arrow"));

    assertThat(test.count()).isEqualTo(359);
    assertThat(test.compute().get("accuracy")).isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void theReadmeShowsExactlyTheCodeThatRuns() throws IOException {
    List<String> source = Files.readAllLines(
        Path.of("src/main/java/io/solstice/examples/QuickStart.java"), StandardCharsets.UTF_8);
    List<String> snippet = dedent(source.subList(
        indexOf(source, "// README:start") + 1, indexOf(source, "// README:end")));

    String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);

    assertThat(readme).contains(String.join("\n", snippet));
  }

  private static int indexOf(List<String> lines, String marker) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).trim().equals(marker)) {
        return i;
      }
    }
    throw new AssertionError("marker " + marker + " not found in QuickStart.java");
  }

  /** Removes the indentation common to all non-blank lines. */
  private static List<String> dedent(List<String> lines) {
    int indent = lines.stream().filter(l -> !l.isBlank())
        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList();
  }
}
