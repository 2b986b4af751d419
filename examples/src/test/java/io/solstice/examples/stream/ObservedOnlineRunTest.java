package io.solstice.examples.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.solstice.examples.observe.Observers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What {@code solstice stream --metrics-port 0} serves, scraped while the stream trains. */
class ObservedOnlineRunTest {

  private static final Pattern ENDPOINT = Pattern.compile("Prometheus metrics at (http://127\\.0\\.0\\.1:\\d+/metrics)");
  private static final Pattern TRAIN_STEPS =
      Pattern.compile("(?m)^solstice_steps_total\\{mode=\"train\",run=\"stream\"} (\\S+)$");
  private static final Pattern LAG_GAUGE =
      Pattern.compile("(?m)^solstice_batches_in_flight\\{run=\"stream\"} (\\S+)$");

  @Test
  void thePrometheusEndpointShowsTheStreamTrainingWhileItRuns() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    Observers observers = Observers.start("stream", 0, null, out);
    OnlineRun run = new OnlineRun(new OnlineRun.Settings(1_000_000, 4, 32, 500_000, 10, 10, 1), observers, null);
    CompletableFuture<OnlineRun.Result> result = CompletableFuture.supplyAsync(() -> {
      try (observers) {
        return run.run(out);
      }
    });
    try {
      Matcher endpoint = ENDPOINT.matcher(bytes.toString(StandardCharsets.UTF_8));
      assertThat(endpoint.find()).as(bytes.toString(StandardCharsets.UTF_8)).isTrue();
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest scrape = HttpRequest.newBuilder(URI.create(endpoint.group(1)))
          .timeout(Duration.ofSeconds(30)).build();
      double[] steps = new double[2];
      // Two scrapes while the stream trains: the train-step counter moves between them.
      for (int i = 0; i < 2; i++) {
        int read = i;
        await().atMost(Duration.ofSeconds(60)).until(() -> {
          HttpResponse<String> response = http.send(scrape, HttpResponse.BodyHandlers.ofString());
          assertThat(response.statusCode()).isEqualTo(200);
          assertThat(response.body()).contains("# TYPE solstice_steps_total counter");
          assertThat(LAG_GAUGE.matcher(response.body()).find()).isTrue();
          Matcher trained = TRAIN_STEPS.matcher(response.body());
          steps[read] = trained.find() ? Double.parseDouble(trained.group(1)) : 0;
          return steps[read] > (read == 0 ? 0 : steps[0]);
        });
      }
      assertThat(steps[1]).isGreaterThan(steps[0]).isPositive();
    } finally {
      run.cancel(20_000);
    }
    OnlineRun.Result done = result.get(30, TimeUnit.SECONDS);
    assertThat(done.cancelled()).isTrue();
  }
}
