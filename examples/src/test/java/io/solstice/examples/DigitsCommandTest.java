package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.solstice.core.metrics.ClassificationMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code solstice digits}, end to end at small settings. */
class DigitsCommandTest {
  @TempDir Path dir;

  @Test
  void trainsOnTheBundledDigitsAndReportsEveryMetricPerClass() throws IOException {
    Path work = dir.resolve("digits");
    Path reportFile = dir.resolve("report.json");

    Cli run = Cli.run("digits", "--epochs", "6", "--work-dir", work.toString(), "--report", reportFile.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("1294 train, 144 validation, 359 test images")
        .contains("precision").contains("recall").contains("f1-score").contains("support")
        .contains("macro avg").contains("weighted avg");
    JsonNode report = new ObjectMapper().readTree(reportFile.toFile());
    List<String> testKeys = new ArrayList<>();
    report.get("test").fieldNames().forEachRemaining(testKeys::add);
    assertThat(testKeys).containsExactlyInAnyOrderElementsOf(ClassificationMetrics.empty(10).compute().keySet());
    // Six epochs of 21 batches at the default learning rate: past 0.9, short of the full run's 0.97.
    assertThat(report.get("test").get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.9);
    assertThat(report.get("test").get("count").asDouble()).isEqualTo(359);
    assertThat(report.get("epochs").asInt()).isBetween(1, 6);
    assertThat(report.get("steps").asLong()).isEqualTo(report.get("epochs").asInt() * 21L);
    assertThat(report.get("wall_seconds").asDouble()).isPositive();
    assertThat(Files.readAllBytes(work.resolve("curves.png"))).startsWith(0x89, 'P', 'N', 'G');
    List<String> csv = Files.readAllLines(work.resolve("metrics.csv"));
    assertThat(csv.get(0)).contains("loss").contains("accuracy");
    assertThat(csv).hasSizeGreaterThan(report.get("epochs").asInt());
    assertThat(work.resolve("data/train.arrow")).exists();
    assertThat(work.resolve("checkpoints/latest")).exists();
  }

  @Test
  void aDataFileThatCannotBeWrittenIsOneLineAndLeavesNoPartialFile() throws IOException {
    Path work = dir.resolve("digits");

    Cli run = Cli.run(FullDisk.fillingUpOn("train.arrow", 20_000), "digits", "--epochs", "1", "--work-dir",
        work.toString());

    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(run.errLines()).containsExactly("solstice digits: cannot write "
        + work.resolve("data").resolve("train.arrow") + ": No space left on device");
    try (var files = FullDisk.filesUnder(work)) {
      // The split files are written in train, validation, test order: nothing, whole or partial, was left.
      assertThat(files).isEmpty();
    }
  }

  @Test
  void theMetricsAndDashboardOptionsServeWhileItTrains() {
    Cli run = Cli.run("digits", "--epochs", "1", "--max-steps", "5", "--work-dir", dir.resolve("watched").toString(),
        "--metrics-port", "0", "--dashboard", "0");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).containsPattern("Prometheus metrics at http://127\\.0\\.0\\.1:\\d+/metrics")
        .containsPattern("Dashboard at http://127\\.0\\.0\\.1:\\d+/");
  }

  @Test
  void badOptionsExitWith2() {
    Cli run = Cli.run("digits", "--epochs", "0", "--work-dir", dir.toString());
    assertThat(run.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(run.errLines()).containsExactly("solstice digits: --epochs must be at least 1 (or auto), got 0");

    Path work = dir.resolve("no-layer");
    Cli noLayer = Cli.run("digits", "--hidden", "64,0", "--work-dir", work.toString());
    assertThat(noLayer.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(noLayer.errLines()).containsExactly("solstice digits: --hidden sizes must be positive, got 64,0");
    assertThat(work).as("nothing written before the options were checked").doesNotExist();

    Path watched = dir.resolve("watched");
    Cli badPort = Cli.run("digits", "--dashboard", "70000", "--work-dir", watched.toString());
    assertThat(badPort.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(badPort.errLines()).containsExactly("solstice digits: --dashboard must be a port number (0 for any free one)");
    assertThat(watched).as("refused before the data files were written").doesNotExist();

    Cli tiny = Cli.run("digits", "--test-fraction", "0.0002", "--work-dir", dir.resolve("tiny").toString());
    assertThat(tiny.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(tiny.errLines()).containsExactly(
        "solstice digits: --test-fraction: a fraction of 2.0E-4 of 1797 rows leaves the test set empty");

    Cli unknown = Cli.run("digits", "--epoch", "3");
    assertThat(unknown.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(unknown.err()).contains("Unknown options: '--epoch'");
  }
}
