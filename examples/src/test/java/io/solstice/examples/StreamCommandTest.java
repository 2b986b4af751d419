package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code solstice stream}: online training over Flight with backpressure and a drift. */
class StreamCommandTest {

  @Test
  void trainsOnlineThroughADriftAndRecoversWhileTheServerStaysBoundedAhead() {
    Cli run = Cli.run("stream", "--steps", "240", "--drift-at", "120", "--print-every", "40", "--features", "5");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("over Arrow Flight at grpc+tcp://127.0.0.1:")
        .contains("cumulative").contains("window").contains("fading")
        .contains("abrupt drift at step 120").contains("Done after 240 steps");
    assertThat(run.out().lines().filter(l -> l.matches("\\s+\\d+\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\s+\\d+ batches")))
        .as("a progress line every 40 steps").hasSize(6);
    Matcher lead = Pattern.compile("at most (\\d+) batches \\((\\d+) KiB\\) ahead").matcher(run.out());
    assertThat(lead.find()).as(run.out()).isTrue();
    // An unpaced generator makes batches far faster than the trainer takes them (240 steps take
    // seconds; it makes thousands of batches a second); backpressure holds the lead to about the
    // 64 KiB send buffer plus gRPC's 1 MiB flow-control window plus a prefetch of 4 batches.
    assertThat(Long.parseLong(lead.group(2))).isBetween(0L, 2048L);
    assertThat(run.out()).containsPattern("Drift at step 120: fading accuracy 0\\.9\\d+ before, fell to 0\\.\\d+, "
        + "recovered at step \\d+");
  }

  @Test
  void theMetricsAndDashboardOptionsServeOnLoopbackPortsAndPrintThem() {
    Cli run = Cli.run("stream", "--steps", "30", "--features", "4", "--print-every", "10",
        "--metrics-port", "0", "--dashboard", "0");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).containsPattern("Prometheus metrics at http://127\\.0\\.0\\.1:\\d+/metrics")
        .containsPattern("Dashboard at http://127\\.0\\.0\\.1:\\d+/").contains("Done after 30 steps");
  }

  @Test
  void badPortsAreAUsageError() {
    Cli run = Cli.run("stream", "--metrics-port", "70000");
    assertThat(run.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(run.errLines()).containsExactly(
        "solstice stream: --metrics-port must be a port number (0 for any free one)");
  }

  @Test
  void badStepsAreAUsageError() {
    Cli run = Cli.run("stream", "--steps", "0");
    assertThat(run.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(run.errLines()).containsExactly("solstice stream: --steps must be at least 1");
  }
}
