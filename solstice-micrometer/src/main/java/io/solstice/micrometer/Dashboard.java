package io.solstice.micrometer;

import io.netty.buffer.Unpooled;
import io.solstice.core.Experiment;
import io.solstice.micrometer.internal.DashboardFeed;
import io.solstice.micrometer.internal.Json;
import io.solstice.reactive.AsyncSubscriber;
import io.solstice.reactive.Run;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.reactivestreams.Publisher;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A live dashboard of runs: one HTML page on a loopback port, its charts (loss and accuracy, the
 * prequential curves of online runs, steps per second, step time against data wait, batches in
 * flight) fed by Server-Sent Events. The page and its script come from this jar; nothing is
 * loaded from elsewhere. What the events do not know, the run's owner adds: {@link #gauge gauges}
 * (a source's lead, say), charted with every step point, and {@link #mark markers} of steps (a
 * drift), drawn as vertical lines on every chart.
 *
 * <pre>{@code
 * try (Dashboard dashboard = Dashboard.start(0)) {
 *   System.out.println("Dashboard at " + dashboard.uri());
 *   dashboard.bind(Solstice.run(model).train(batches)).block();
 * }
 * }</pre>
 *
 * <p>Backpressure: the run hands its events to an {@link AsyncSubscriber} with a drop-oldest
 * buffer, which turns them into points (train steps summarised every {@code period}, and every
 * epoch's metrics) kept in a bounded history; each browser connection reads the history through
 * its own bounded drop-oldest buffer. A slow or stalled browser therefore loses points, never
 * slows training, and holds a bounded amount of memory. A closed page or a dead connection ends
 * its subscription ({@link #openStreams()} counts the live ones). Thread-safe.
 */
public final class Dashboard implements AutoCloseable {

  /** Points kept for pages that connect later, and per connection when the browser lags. */
  static final int HISTORY = 4096;
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(5);
  // Events waiting for the feed: each holds its experiment, so few (the feed only sorts them).
  private static final int EVENT_BUFFER = 256;

  private final Sinks.Many<String> points = Sinks.many().replay().limit(HISTORY);
  private long sequence; // guarded by points
  private final AtomicInteger openStreams = new AtomicInteger();
  private final AtomicInteger openConnections = new AtomicInteger();
  private final long startNanos = System.nanoTime();
  // Sorted by name: the page gives each series its color in the order it first sees them.
  private final Map<String, LongSupplier> gauges = new ConcurrentSkipListMap<>();
  private final Duration period;
  private final AsyncSubscriber<Object, Object> subscriber;
  private final DisposableServer server;

  private Dashboard(int port, Duration period) {
    this.period = period;
    this.subscriber = AsyncSubscriber.dropOldest(EVENT_BUFFER,
        events -> new DashboardFeed(period, startNanos, this::sampleGauges, this::publish).points(events));
    String page = resource("dashboard/index.html");
    String script = resource("dashboard/dashboard.js");
    this.server = HttpServer.create()
        .host("127.0.0.1")
        .port(port)
        .doOnConnection(connection -> {
          openConnections.incrementAndGet();
          connection.onDispose(openConnections::decrementAndGet);
        })
        .route(routes -> routes
            .get("/", (request, response) -> response
                .header("Content-Type", "text/html; charset=utf-8")
                .sendString(Mono.just(page)))
            .get("/dashboard.js", (request, response) -> response
                .header("Content-Type", "text/javascript; charset=utf-8")
                .sendString(Mono.just(script)))
            .get("/events", (request, response) -> events(response)))
        .bindNow(Duration.ofSeconds(30));
  }

  /**
   * Serves a dashboard on {@code 127.0.0.1}, sampling train steps every 250 ms.
   *
   * @param port the port, 0 for any free one (see {@link #uri()})
   * @return the running dashboard
   */
  public static Dashboard start(int port) {
    return start(port, Duration.ofMillis(250));
  }

  /**
   * Serves a dashboard on {@code 127.0.0.1}.
   *
   * @param port the port, 0 for any free one
   * @param period how often train steps are summarised into a point
   * @return the running dashboard
   */
  public static Dashboard start(int port, Duration period) {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period must be positive, was " + period);
    }
    return new Dashboard(port, period);
  }

  /**
   * The run with this dashboard's {@link #subscriber()} added.
   *
   * @param run the run to show
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the new run
   */
  public <E extends Experiment<E, B, O>, B, O> Run<E, B, O> bind(Run<E, B, O> run) {
    return run.asyncSubscribers(subscriber);
  }

  /**
   * The asynchronous subscriber that feeds the page; it accepts the events of any run and may
   * serve several runs.
   *
   * @return the subscriber
   */
  public AsyncSubscriber<Object, Object> subscriber() {
    return subscriber;
  }

  /**
   * The page's address.
   *
   * @return {@code http://127.0.0.1:<port>/}
   */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.port() + "/");
  }

  /**
   * The port the page is served on.
   *
   * @return the port
   */
  public int port() {
    return server.port();
  }

  /**
   * The event streams of connected pages now.
   *
   * @return the count
   */
  public int openStreams() {
    return openStreams.get();
  }

  /** The HTTP connections open now, for tests that check nothing is left behind. */
  int openConnections() {
    return openConnections.get();
  }

  /**
   * How often train steps are summarised into a point.
   *
   * @return the period
   */
  public Duration period() {
    return period;
  }

  /**
   * Adds a gauge to the page: its value is read with every step point (on the dashboard's
   * thread, so it must be cheap and thread-safe) and charted against the step. A second gauge of
   * the same name replaces the first.
   *
   * @param name the series' name on the page
   * @param value reads the value
   */
  public void gauge(String name, LongSupplier value) {
    gauges.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
  }

  /**
   * Marks a step on every chart with a labelled vertical line (a drift, a restart). Pages that
   * connect later see it too, as the marker joins the history.
   *
   * @param label what happened
   * @param step the train step it happened at
   */
  public void mark(String label, long step) {
    publish(new Json()
        .put("kind", "mark")
        .put("label", Objects.requireNonNull(label, "label"))
        .put("step", step)
        .put("t", (System.nanoTime() - startNanos) / 1e9));
  }

  /** Stops serving: open event streams end and the port is released. */
  @Override
  public void close() {
    synchronized (points) {
      points.tryEmitComplete();
    }
    server.disposeNow(Duration.ofSeconds(10));
  }

  private Map<String, Double> sampleGauges() {
    Map<String, Double> values = new LinkedHashMap<>();
    gauges.forEach((name, gauge) -> values.put(name, (double) gauge.getAsLong()));
    return values;
  }

  private void publish(Json point) {
    // Runs and markers feed the history from their own threads; the sink takes one at a time,
    // and in sequence order: the page drops a point whose number is not above the last it saw.
    synchronized (points) {
      points.tryEmitNext(point.put("seq", ++sequence).toString());
    }
  }

  private Publisher<Void> events(HttpServerResponse response) {
    Flux<String> messages = points.asFlux()
        // A browser that reads slowly loses the oldest points instead of holding the history.
        .onBackpressureBuffer(HISTORY, dropped -> { }, BufferOverflowStrategy.DROP_OLDEST)
        .map(data -> "data: " + data + "\n\n")
        // A comment now and then: a dead peer is found by a failed write. It stops with the
        // history, so closing the dashboard ends every stream.
        .mergeWith(Flux.interval(KEEP_ALIVE).map(tick -> ": keep-alive\n\n")
            .takeUntilOther(points.asFlux().ignoreElements()))
        .doOnSubscribe(subscription -> openStreams.incrementAndGet())
        .doFinally(signal -> openStreams.decrementAndGet());
    return response.sse()
        .send(messages.map(text -> Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8))),
            message -> true); // flush every message: the page shows it at once
  }

  private static String resource(String name) {
    try (InputStream in = Dashboard.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name + " next to " + Dashboard.class);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
