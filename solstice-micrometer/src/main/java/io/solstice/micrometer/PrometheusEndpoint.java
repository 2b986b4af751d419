package io.solstice.micrometer;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * {@code GET /metrics} in the Prometheus text format, served by Reactor Netty on {@code
 * 127.0.0.1}: point a Prometheus scrape job at {@link #uri()}. Each request scrapes the registry
 * anew (off the event loop), so it shows the meters as they are at that moment.
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * try (PrometheusEndpoint endpoint = PrometheusEndpoint.start(registry, 9464)) {
 *   RunMeters.builder(registry, "digits").build().bind(run).block();
 * }
 * }</pre>
 */
public final class PrometheusEndpoint implements AutoCloseable {

  /** The content type of the Prometheus text exposition format. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final DisposableServer server;

  private PrometheusEndpoint(PrometheusMeterRegistry registry, int port) {
    this.server = HttpServer.create()
        .host("127.0.0.1")
        .port(port)
        .route(routes -> routes.get("/metrics", (request, response) -> response
            .header("Content-Type", CONTENT_TYPE)
            .sendString(Mono.fromCallable(registry::scrape)
                .subscribeOn(Schedulers.boundedElastic()))))
        .bindNow(Duration.ofSeconds(30));
  }

  /**
   * Serves {@code registry} on {@code 127.0.0.1}.
   *
   * @param registry the registry to expose
   * @param port the port, 0 for any free one (see {@link #uri()})
   * @return the running endpoint
   */
  public static PrometheusEndpoint start(PrometheusMeterRegistry registry, int port) {
    return new PrometheusEndpoint(Objects.requireNonNull(registry, "registry"), port);
  }

  /**
   * The address to scrape.
   *
   * @return {@code http://127.0.0.1:<port>/metrics}
   */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.port() + "/metrics");
  }

  /**
   * The port the endpoint is served on.
   *
   * @return the port
   */
  public int port() {
    return server.port();
  }

  /** Stops serving and releases the port. */
  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(10));
  }
}
