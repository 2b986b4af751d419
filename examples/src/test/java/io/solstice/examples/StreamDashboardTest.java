package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.solstice.examples.data.OutputFiles;
import io.solstice.micrometer.HeadlessChromium;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code solstice stream --dashboard 0} watched in a real headless Chromium while it trains, then
 * stopped as Ctrl-C stops it.
 */
class StreamDashboardTest {

  private static final Pattern ADDRESS = Pattern.compile("Dashboard at (http://127\\.0\\.0\\.1:(\\d+)/)");
  private static final Duration PATIENCE = Duration.ofSeconds(90);
  // Counts the points drawn: the coordinate pairs of every polyline of the page.
  private static final String PLOTTED = "Array.from(document.querySelectorAll('polyline'))"
      + ".map(p => p.getAttribute('points').trim()).filter(p => p.length > 0)"
      + ".reduce((n, p) => n + p.split(' ').length, 0)";
  private static final String LEAD = "document.querySelectorAll("
      + "'#gauges polyline[data-series$=\"server lead (batches)\"]').length";
  private static final String DRIFT_MARKER = "document.querySelectorAll("
      + "'#throughput line.marker[data-label=\"abrupt drift\"]').length";

  @Test
  void theDashboardOfARunningStreamGrowsInABrowserAndTheStreamStopsCleanly() throws Exception {
    try (HeadlessChromium chromium = HeadlessChromium.launch()) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CommandLine cli = SolsticeCli.commandLine(OutputFiles.LOCAL);
      cli.setOut(new PrintWriter(out, true));
      cli.setErr(new PrintWriter(err, true));
      // Far more steps than the test waits for: the run is stopped, never done.
      FutureTask<Integer> command = new FutureTask<>(() -> cli.execute("stream", "--steps", "200000",
          "--drift-at", "100", "--print-every", "50", "--features", "4", "--dashboard", "0"));
      Thread thread = new Thread(command, "solstice-stream");
      thread.start();
      int port;
      try {
        await().atMost(PATIENCE).until(() -> ADDRESS.matcher(out.toString()).find());
        Matcher address = ADDRESS.matcher(out.toString());
        assertThat(address.find()).isTrue();
        port = Integer.parseInt(address.group(2));
        HeadlessChromium.Page page = chromium.open(URI.create(address.group(1)));

        await().atMost(PATIENCE).until(() -> page.number(PLOTTED) > 0);
        double first = page.number(PLOTTED);
        await().atMost(PATIENCE).until(() -> page.number(PLOTTED) > first);
        assertThat(page.number(PLOTTED)).isGreaterThan(first);
        // The server's lead is charted, and the drift the command announces is marked.
        await().atMost(PATIENCE).until(() -> page.number(LEAD) == 1);
        await().atMost(PATIENCE).until(() -> out.toString().contains("abrupt drift at step 100"));
        await().atMost(PATIENCE).until(() -> page.number(DRIFT_MARKER) == 1);
        // The README's picture of the dashboard (docs/dashboard.png) is this screenshot.
        page.screenshot(Path.of("target", "stream-dashboard.png"));
        page.close();
      } finally {
        // What Ctrl-C's shutdown hook does in-process: stop the run and wait for its release.
        thread.interrupt();
      }
      int exitCode = command.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

      assertThat(exitCode).as(err.toString()).isZero();
      assertThat(err.toString()).isBlank();
      assertThat(out.toString()).containsPattern("Stopped after \\d+ steps");
      // The dashboard has let go of its port.
      assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    }
  }
}
