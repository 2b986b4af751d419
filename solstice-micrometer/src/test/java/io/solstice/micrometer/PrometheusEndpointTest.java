package io.solstice.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.solstice.core.Mode;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.publisher.Flux;

/** {@code /metrics} scraped in the middle of a run, read back as the Prometheus text format. */
class PrometheusEndpointTest {

  private static final int SCRAPE_AT_STEP = 9;

  @Test
  void aScrapeDuringTheRunShowsItsMetersInPrometheusTextFormat() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    HttpClient http = HttpClient.newHttpClient();
    List<HttpResponse<String>> scrapes = new ArrayList<>();
    try (PrometheusEndpoint endpoint = PrometheusEndpoint.start(registry, 0)) {
      assertThat(endpoint.uri().toString()).startsWith("http://127.0.0.1:").endsWith("/metrics");
      RunMeters meters = RunMeters.builder(registry, "scraped").build();
      MlpClassifier model = MlpClassifier.builder()
          .inputs(DigitsDataset.FEATURES).hidden(16).classes(DigitsDataset.CLASSES)
          .updater(new Adam(3e-3)).seed(3).build();
      // The scrape runs on the training thread, after the meters saw step 9: the run waits for
      // it, so the counters are exactly those of ten steps.
      meters.bind(Solstice.run(model)
              .train(Flux.defer(() -> Flux.fromIterable(DigitsDataset.bundled().batches(64))))
              .maxSteps(20))
          .subscribers(event -> {
            if (event instanceof TrainingEvent.StepEnded<?, ?> step && step.mode() == Mode.TRAIN
                && step.globalStep() == SCRAPE_AT_STEP) {
              scrapes.add(http.send(HttpRequest.newBuilder(endpoint.uri())
                      .timeout(Duration.ofSeconds(30)).build(),
                  HttpResponse.BodyHandlers.ofString()));
            }
          })
          .block();
    }

    assertThat(scrapes).hasSize(1);
    HttpResponse<String> scrape = scrapes.get(0);
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.headers().firstValue("Content-Type")).hasValue(PrometheusEndpoint.CONTENT_TYPE);
    TextFormat metrics = TextFormat.parse(scrape.body());

    assertThat(metrics.type("solstice_steps_total")).isEqualTo("counter");
    assertThat(metrics.value("solstice_steps_total", Map.of("run", "scraped", "mode", "train")))
        .isEqualTo(SCRAPE_AT_STEP + 1.0);
    assertThat(metrics.value("solstice_samples_total", Map.of("run", "scraped", "mode", "train")))
        .isEqualTo(64.0 * (SCRAPE_AT_STEP + 1));
    assertThat(metrics.type("solstice_step_time_seconds")).isEqualTo("summary");
    assertThat(metrics.value("solstice_step_time_seconds_count",
        Map.of("run", "scraped", "mode", "train"))).isEqualTo(SCRAPE_AT_STEP + 1.0);
    assertThat(metrics.value("solstice_step_time_seconds",
        Map.of("run", "scraped", "mode", "train", "quantile", "0.99"))).isPositive();
    assertThat(metrics.value("solstice_run_active", Map.of("run", "scraped"))).isEqualTo(1.0);
    double lastStep = metrics.value("solstice_last_step_timestamp_seconds", Map.of("run", "scraped"));
    assertThat(lastStep).isCloseTo(System.currentTimeMillis() / 1000.0,
        org.assertj.core.data.Offset.offset(600.0));
    assertThat(metrics.value("solstice_batches_in_flight", Map.of("run", "scraped")))
        .isBetween(0.0, 5.0); // the default prefetch, 4, plus the hand-over
    assertThat(metrics.value("solstice_metric",
        Map.of("run", "scraped", "mode", "train", "over", "step", "name", "accuracy")))
        .isBetween(0.0, 1.0);
  }

  /**
   * A reader of the Prometheus text exposition format (version 0.0.4): {@code # TYPE} lines and
   * samples {@code name{label="value",...} number}. Every line must be one of those, a {@code #
   * HELP} line or blank, or parsing fails.
   */
  record TextFormat(Map<String, String> types, Map<String, Map<Map<String, String>, Double>> samples) {

    private static final Pattern SAMPLE = Pattern.compile(
        "([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)(?: -?\\d+)?");
    private static final Pattern LABEL = Pattern.compile(
        "([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    static TextFormat parse(String text) throws IOException {
      Map<String, String> types = new HashMap<>();
      Map<String, Map<Map<String, String>, Double>> samples = new HashMap<>();
      for (String line : text.split("\n")) {
        if (line.isBlank() || line.startsWith("# HELP ")) {
          continue;
        }
        if (line.startsWith("# TYPE ")) {
          String[] parts = line.split(" ");
          types.put(parts[2], parts[3]);
          continue;
        }
        Matcher sample = SAMPLE.matcher(line);
        if (!sample.matches()) {
          throw new IOException("not a Prometheus sample line: " + line);
        }
        Map<String, String> labels = new HashMap<>();
        if (sample.group(2) != null) {
          Matcher label = LABEL.matcher(sample.group(2));
          int end = 0;
          while (label.find() && label.start() == end) {
            labels.put(label.group(1), label.group(2));
            end = label.end();
          }
          if (end != sample.group(2).length()) {
            throw new IOException("malformed labels in: " + line);
          }
        }
        samples.computeIfAbsent(sample.group(1), name -> new HashMap<>())
            .put(labels, Double.parseDouble(sample.group(3).replace("+Inf", "Infinity")));
      }
      return new TextFormat(types, samples);
    }

    String type(String family) {
      return types.get(family);
    }

    double value(String name, Map<String, String> labels) {
      Map<Map<String, String>, Double> series = samples.get(name);
      assertThat(series).as("samples named " + name).isNotNull();
      assertThat(series).as(name + " with labels " + labels).containsKey(labels);
      return series.get(labels);
    }
  }
}
