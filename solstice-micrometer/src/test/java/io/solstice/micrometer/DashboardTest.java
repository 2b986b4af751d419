package io.solstice.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.TensorBatch;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.Run;
import io.solstice.reactive.RunControl;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.fixtures.StopAt;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * The live dashboard in a real headless Chromium, and its event streams cut or stalled while a
 * run goes on.
 */
class DashboardTest {

  private static final Duration PERIOD = Duration.ofMillis(100);
  private static final Duration PATIENCE = Duration.ofSeconds(90);
  // Counts the points drawn: the coordinate pairs of every polyline of the page.
  private static final String PLOTTED = "Array.from(document.querySelectorAll('polyline'))"
      + ".map(p => p.getAttribute('points').trim()).filter(p => p.length > 0)"
      + ".reduce((n, p) => n + p.split(' ').length, 0)";

  @Test
  void theChartsOfARunningOnlineRunGrowInABrowser() throws Exception {
    try (HeadlessChromium chromium = HeadlessChromium.launch();
        Dashboard dashboard = Dashboard.start(0, PERIOD)) {
      AtomicLong produced = new AtomicLong();
      LiveRun run = LiveRun.start(dashboard.bind(onlineRun(produced)));
      // The source's lead: batches it made that the trainer has not finished.
      dashboard.gauge("source lead", () -> produced.get() - run.steps.get());
      try {
        HeadlessChromium.Page page = chromium.open(dashboard.uri());
        await().atMost(PATIENCE).until(() -> page.number(PLOTTED) > 0);
        double first = page.number(PLOTTED);
        await().atMost(PATIENCE).until(() -> page.number(PLOTTED) > first);
        double later = page.number(PLOTTED);
        assertThat(later).isGreaterThan(first);
        // Loss, accuracy (prequential cumulative, window, fading), steps/s, step vs data wait,
        // batches in flight all drew something.
        assertThat(page.number("document.querySelectorAll('#loss polyline').length"))
            .isGreaterThanOrEqualTo(4);
        assertThat(page.number("document.querySelectorAll("
            + "'#accuracy polyline[data-series*=\"prequential cumulative\"]').length")).isEqualTo(1);
        for (String chart : new String[] {"throughput", "time", "inflight"}) {
          assertThat(page.number("document.querySelectorAll('#" + chart + " polyline').length"))
              .as(chart).isPositive();
        }
        // The gauge joins the step points from the first one sampled after it was added.
        await().atMost(PATIENCE).until(() -> page.number("document.querySelectorAll("
            + "'#gauges polyline[data-series$=\"source lead\"]').length") == 1);
        String leadPoints = "Number(document.querySelector("
            + "'#gauges polyline[data-series$=\"source lead\"]').getAttribute('data-points'))";
        double leadFirst = page.number(leadPoints);
        await().atMost(PATIENCE).until(() -> page.number(leadPoints) > leadFirst);

        // A marker at a step the run has passed shows on every chart with points there.
        dashboard.mark("drift", run.steps.get());
        await().atMost(PATIENCE).until(() -> page.number(
            "document.querySelectorAll('#loss line.marker[data-label=\"drift\"]').length") == 1);
        assertThat(page.number(
            "document.querySelectorAll('#gauges line.marker[data-label=\"drift\"]').length")).isEqualTo(1);
        // A marker before every chart's first point (points are at steps from 1 on) widens the
        // axis to show it: the stream command's drift at step 100 may come before its first point.
        dashboard.mark("start", 0);
        await().atMost(PATIENCE).until(() -> page.number(
            "document.querySelectorAll('#throughput line.marker[data-label=\"start\"]').length") == 1);
        page.screenshot(Path.of("target", "dashboard.png"));
        assertThat(dashboard.openStreams()).isEqualTo(1);

        page.close();
        await().atMost(PATIENCE).until(() -> dashboard.openStreams() == 0);
        long stepsAfterClose = run.steps.get();
        await().atMost(PATIENCE).until(() -> run.steps.get() > stepsAfterClose + 20);
      } finally {
        run.stop();
      }
      assertThat(run.outcome().status()).isEqualTo(RunOutcome.Status.STOPPED_EARLY);
    }
  }

  @Test
  void aCutEventStreamIsReleasedAndAStalledOneNeverSlowsTheRun() throws Exception {
    try (Dashboard dashboard = Dashboard.start(0, PERIOD)) {
      LiveRun run = LiveRun.start(dashboard.bind(onlineRun(new AtomicLong())));
      try (Socket stalled = eventStream(dashboard)) {
        try (Socket cut = eventStream(dashboard)) {
          readUntilData(cut.getInputStream());
          await().atMost(PATIENCE).until(() -> dashboard.openStreams() == 2);
          cut.setSoLinger(true, 0); // a reset, as from a crashed browser
        }
        await().atMost(PATIENCE).until(() -> dashboard.openStreams() == 1);
        // The stalled stream never reads a byte: the run goes on past anything it could buffer.
        long steps = run.steps.get();
        await().atMost(PATIENCE).until(() -> run.steps.get() > steps + 50);
        assertThat(dashboard.openStreams()).isEqualTo(1);
      } finally {
        run.stop();
      }
      assertThat(run.outcome().status()).isEqualTo(RunOutcome.Status.STOPPED_EARLY);
      await().atMost(PATIENCE).until(() -> dashboard.openStreams() == 0);
      await().atMost(PATIENCE).until(() -> dashboard.openConnections() == 0);
    }
  }

  @Test
  void closingTheDashboardEndsTheStreamsOfOpenPages() throws Exception {
    Dashboard dashboard = Dashboard.start(0, PERIOD);
    try (Socket open = eventStream(dashboard)) {
      await().atMost(PATIENCE).until(() -> dashboard.openStreams() == 1);

      dashboard.close();

      // The response ends (the last chunk of its chunked body), and its subscription with it.
      readUntil(open.getInputStream(), "\r\n0\r\n\r\n");
      await().atMost(PATIENCE).until(() -> dashboard.openStreams() == 0);
    }
  }

  @Test
  void pointsPublishedFromManyThreadsReachAPageInSequenceOrder() throws Exception {
    int threads = 4;
    int marksEach = 500;
    try (Dashboard dashboard = Dashboard.start(0, PERIOD)) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> marking = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String label = "thread " + t;
        marking.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < marksEach; i++) {
            dashboard.mark(label, i);
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> done : marking) {
        done.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      }
      pool.shutdown();

      try (Socket page = eventStream(dashboard)) {
        // The page drops a point whose number is not above the last one it saw.
        assertThat(sequenceNumbers(page.getInputStream(), threads * marksEach)).isSorted().doesNotHaveDuplicates();
      }
    }
  }

  /** The "seq" of the first {@code count} points of an event stream, in the order they came. */
  private static List<Long> sequenceNumbers(InputStream in, int count) throws IOException {
    Pattern seq = Pattern.compile("\"seq\":([0-9]+)");
    List<Long> numbers = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    byte[] buffer = new byte[8192];
    int searchedUpTo = 0;
    while (numbers.size() < count) {
      int n = in.read(buffer);
      if (n < 0) {
        throw new IOException("the event stream ended after " + numbers.size() + " points");
      }
      text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
      // Only whole events: a number cut by the end of a read is matched in the next pass.
      int end = text.lastIndexOf("\n\n");
      Matcher matcher = seq.matcher(text).region(searchedUpTo, Math.max(searchedUpTo, end));
      while (matcher.find()) {
        numbers.add(Long.parseLong(matcher.group(1)));
      }
      searchedUpTo = Math.max(searchedUpTo, end);
    }
    return numbers.subList(0, count);
  }

  @Test
  void anEpochCutShortByAStopIsASeriesOfItsOwn() throws Exception {
    DigitsDataset.Split digits = DigitsDataset.bundled().split(0.2, 7);
    try (HeadlessChromium chromium = HeadlessChromium.launch();
        Dashboard dashboard = Dashboard.start(0, PERIOD)) {
      // Val steps 0..5 validate epoch 0; the stop after val step 6 cuts epoch 1's validation short.
      dashboard.bind(Solstice.run(MlpClassifier.builder().inputs(DigitsDataset.FEATURES).hidden(16)
                  .classes(DigitsDataset.CLASSES).updater(new Adam(3e-3)).seed(5).build())
              .train(Flux.defer(() -> Flux.fromIterable(digits.train().batches(64))))
              .validate(Flux.defer(() -> Flux.fromIterable(digits.test().batches(64))))
              .epochs(2))
          .subscribers(StopAt.stepEnd(Mode.VAL, 6))
          .block();

      // The page receives the finished run's points from the dashboard's history.
      HeadlessChromium.Page page = chromium.open(dashboard.uri());
      String cutShort = "document.querySelectorAll("
          + "'#loss polyline[data-series$=\"val (epoch cut short)\"]').length";
      await().atMost(PATIENCE).until(() -> page.number(cutShort) == 1);
      assertThat(page.number("Number(document.querySelector("
          + "'#loss polyline[data-series$=\"val (epoch)\"]').getAttribute('data-points'))"))
          .as("only the whole validation on the epoch curve").isEqualTo(1);
      page.close();
    }
  }

  private static Run<MlpClassifier, TensorBatch, ClassificationMetrics> onlineRun(AtomicLong produced) {
    MlpClassifier model = MlpClassifier.builder()
        .inputs(DigitsDataset.FEATURES).hidden(16).classes(DigitsDataset.CLASSES)
        .updater(new Adam(3e-3)).seed(5).build();
    return Solstice.run(model)
        .train(Flux.defer(() -> Flux.fromIterable(DigitsDataset.bundled().batches(32))).repeat()
            .doOnNext(batch -> produced.incrementAndGet()))
        .prequential(20, 0.98)
        .maxSteps(10_000_000);
  }

  private static Socket eventStream(Dashboard dashboard) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(1024);
    socket.connect(new InetSocketAddress("127.0.0.1", dashboard.port()), 30_000);
    socket.setSoTimeout(90_000);
    OutputStream out = socket.getOutputStream();
    out.write(("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  private static void readUntilData(InputStream in) throws IOException {
    readUntil(in, "\ndata: {");
  }

  private static void readUntil(InputStream in, String expected) throws IOException {
    StringBuilder seen = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      seen.append((char) b);
      if (seen.indexOf(expected) >= 0) {
        return;
      }
    }
    throw new IOException("the event stream ended before " + expected.strip() + ": " + seen);
  }

  /** A run going on in the background until {@link #stop()}. */
  private static final class LiveRun {
    final AtomicLong steps = new AtomicLong();
    private final AtomicReference<RunControl> control = new AtomicReference<>();
    private final AtomicReference<RunOutcome> outcome = new AtomicReference<>();
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    private Disposable subscription;

    static LiveRun start(Run<MlpClassifier, TensorBatch, ClassificationMetrics> run) {
      LiveRun live = new LiveRun();
      live.subscription = run
          .subscribers(event -> {
            if (event instanceof TrainingEvent.StepEnded<?, ?>) {
              live.steps.incrementAndGet();
            } else if (event instanceof TrainingEvent.RunEnded<?, ?> ended) {
              live.outcome.set(ended.outcome());
            }
          })
          .events()
          .doOnNext(event -> live.control.compareAndSet(null, event.run()))
          .subscribe(event -> { }, live.error::set);
      return live;
    }

    void stop() {
      await().atMost(PATIENCE).until(() -> control.get() != null);
      control.get().stop("the test is over");
      control.get().terminated().block(PATIENCE);
      assertThat(error.get()).isNull();
      await().atMost(PATIENCE).until(subscription::isDisposed);
    }

    RunOutcome outcome() {
      return outcome.get();
    }
  }
}
