package io.solstice.arrow;

import io.solstice.arrow.internal.BearerTokenAuthenticator;
import io.solstice.arrow.internal.StreamPump;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;

/**
 * Serves sources of {@link ArrowBatch}es over Arrow Flight ({@code DoGet}), finite or
 * unbounded, with real backpressure: each call's producer runs on its own thread (never a
 * gRPC thread), pulls one batch at a time, and sends it only once the call is ready, so a slow
 * client holds the server to a bounded number of batches ahead (about
 * {@link Builder#backpressureBytes} plus the HTTP/2 window, divided by the batch size). When
 * the client cancels, the source is cancelled and the call ends with CANCELLED.
 *
 * <p>A call carries one schema and one set of dictionaries, sent with the first batch (Flight
 * sends dictionaries only when a stream starts). A later batch whose schema or dictionaries
 * differ ends the call with INTERNAL (a {@link SchemaChangeException} for dictionaries) and
 * cancels the source, instead of reaching the client decoded with the first batch's
 * dictionaries.
 *
 * <p>Security: the server binds to 127.0.0.1 unless told otherwise; binding any other address
 * requires {@link Builder#requireToken(String)} (clients send it with
 * {@link ArrowSources#bearerToken(String)}), and {@link Builder#useTls(Path, Path)} encrypts the
 * connection. A call with a missing or wrong token is refused with UNAUTHENTICATED before the
 * source is opened.
 *
 * <p>Thread safety: thread-safe; it serves concurrent calls, each from its own producer thread,
 * and its accessors may be called from any thread. Close it once.
 */
public final class FlightBatchServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FlightBatchServer.class);

  private final FlightServer server;
  private final BufferAllocator allocator;
  private final ExecutorService producers;
  /**
   * gRPC's executor, ours rather than Flight's: Flight shuts its own down as soon as the server
   * starts shutting down, and gRPC then cannot run the tasks that end the calls it cuts off.
   */
  private final ExecutorService calls;
  private final Set<StreamPump> pumps = ConcurrentHashMap.newKeySet();
  private final Location location;

  private FlightBatchServer(Builder b) throws IOException {
    this.allocator = b.allocator.newChildAllocator("flight-batch-server", 0, b.allocator.getLimit());
    AtomicInteger threadIds = new AtomicInteger();
    this.producers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "flight-producer-" + threadIds.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    AtomicInteger callThreadIds = new AtomicInteger();
    this.calls = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "flight-call-" + callThreadIds.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    Location bind = b.certChain != null ? Location.forGrpcTls(b.host, b.port) : Location.forGrpcInsecure(b.host, b.port);
    FlightServer.Builder builder = FlightServer.builder(allocator, bind, new Producer(b.streams))
        .backpressureThreshold(b.backpressureBytes)
        .executor(calls);
    if (b.token != null) {
      builder.headerAuthenticator(new BearerTokenAuthenticator(b.token));
    }
    if (b.certChain != null) {
      builder.useTls(b.certChain.toFile(), b.privateKey.toFile());
    }
    FlightServer built = builder.build();
    try {
      built.start();
    } catch (IOException | RuntimeException e) {
      closeQuietly(built);
      producers.shutdownNow();
      calls.shutdownNow();
      allocator.close();
      throw e;
    }
    this.server = built;
    this.location = b.certChain != null ? Location.forGrpcTls(b.host, server.getPort())
        : Location.forGrpcInsecure(b.host, server.getPort());
  }

  /**
   * A builder for a server that answers each ticket with the source {@code streams} returns.
   *
   * @param allocator the allocator the server's buffers come from (a child is used)
   * @param streams the source for a ticket; called once per call
   * @return the builder
   */
  public static Builder builder(BufferAllocator allocator, Function<Ticket, Flux<ArrowBatch>> streams) {
    return new Builder(allocator, streams);
  }

  /**
   * Where clients connect.
   *
   * @return the location, with the port actually bound
   */
  public Location location() {
    return location;
  }

  /**
   * The port bound.
   *
   * @return the port
   */
  public int port() {
    return server.getPort();
  }

  /**
   * The number of calls being served now.
   *
   * @return the count of active streams
   */
  public int activeStreams() {
    return pumps.size();
  }

  /**
   * Cancels the streams in progress, ending each call with UNAVAILABLE ("the server is
   * closing"), stops the server and releases its memory. A client that is reading hears of the
   * end at once; the end of a call whose client stopped reading waits behind the data it has not
   * read, so such a call is cut off (the client sees CANCELLED when it reads on) after Flight's
   * grace of 3 s.
   */
  @Override
  public void close() {
    // Each pump ends its own call: gRPC's shutdown would otherwise wait for calls still open.
    pumps.forEach(StreamPump::shutdown);
    try {
      for (StreamPump pump : pumps) {
        pump.awaitFinish(5_000);
      }
      // Waits up to 3 s for the calls to end, then cuts off the rest: a call whose client
      // stopped reading cannot end sooner, its end waits behind the data the client has not read.
      server.close();
      calls.shutdown();
      if (!calls.awaitTermination(3, TimeUnit.SECONDS)) {
        LOG.warn("a Flight call did not stop within 3 s of the server's end");
      }
      // A stream's source runs on its producer thread and may be making one more batch when
      // the stream is cancelled from a gRPC thread: wait for it, so that the caller can close
      // the allocator its source uses as soon as this returns.
      producers.shutdown();
      if (!producers.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("a served source did not stop within 5 s of its stream's end");
      }
      awaitReleased(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      producers.shutdownNow();
      calls.shutdownNow();
      allocator.close();
    }
  }

  /**
   * Waits until the buffers of the last messages are back: a stream that a client cancelled
   * ends with messages gRPC still held, which its own threads release shortly after the call
   * ended. Closing the allocator before would report them as leaked.
   */
  private void awaitReleased(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (allocator.getAllocatedMemory() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  private static void closeQuietly(FlightServer s) {
    try {
      s.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException ignored) {
      // the server never started
    }
  }

  private final class Producer extends NoOpFlightProducer {
    private final Function<Ticket, Flux<ArrowBatch>> streams;

    Producer(Function<Ticket, Flux<ArrowBatch>> streams) {
      this.streams = streams;
    }

    @Override
    public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
      Flux<ArrowBatch> source;
      try {
        source = Objects.requireNonNull(streams.apply(ticket), "the stream function returned null");
      } catch (RuntimeException e) {
        listener.error(CallStatus.NOT_FOUND.withDescription("no stream for this ticket: " + e.getMessage())
            .toRuntimeException());
        return;
      }
      StreamPump pump = new StreamPump(listener, allocator);
      pumps.add(pump);
      producers.execute(() -> {
        try {
          source.subscribe(pump);
          pump.awaitFinish(Long.MAX_VALUE);
        } catch (InterruptedException e) {
          pump.dispose();
          Thread.currentThread().interrupt();
        } finally {
          pumps.remove(pump);
        }
      });
    }
  }

  /** Builds and starts a {@link FlightBatchServer}. */
  public static final class Builder {
    private final BufferAllocator allocator;
    private final Function<Ticket, Flux<ArrowBatch>> streams;
    private String host = "127.0.0.1";
    private int port;
    private String token;
    private Path certChain;
    private Path privateKey;
    private int backpressureBytes = 1 << 20;

    private Builder(BufferAllocator allocator, Function<Ticket, Flux<ArrowBatch>> streams) {
      this.allocator = Objects.requireNonNull(allocator, "allocator");
      this.streams = Objects.requireNonNull(streams, "streams");
    }

    /**
     * The address to bind; default 127.0.0.1. Any non-loopback address needs
     * {@link #requireToken(String)}.
     *
     * @param address a host name or IP address
     * @return this builder
     */
    public Builder host(String address) {
      this.host = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * The port; default 0 (any free port, see {@link FlightBatchServer#port()}).
     *
     * @param value the port
     * @return this builder
     */
    public Builder port(int value) {
      this.port = value;
      return this;
    }

    /**
     * Requires every call to carry {@code Authorization: Bearer token}.
     *
     * @param value the token (keep it secret; use TLS off-host so it is not sent in clear)
     * @return this builder
     */
    public Builder requireToken(String value) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException("the token must not be blank");
      }
      this.token = value;
      return this;
    }

    /**
     * Serves over TLS with this PEM certificate chain and PEM (PKCS#8) private key.
     *
     * @param certificateChain the certificate chain file
     * @param key the private key file
     * @return this builder
     */
    public Builder useTls(Path certificateChain, Path key) {
      this.certChain = Objects.requireNonNull(certificateChain, "certificateChain");
      this.privateKey = Objects.requireNonNull(key, "key");
      return this;
    }

    /**
     * How many bytes may wait in a call's outgoing buffer before the producer pauses; default
     * 1 MiB. Smaller bounds memory, larger smooths bursts.
     *
     * @param bytes the threshold
     * @return this builder
     */
    public Builder backpressureBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("backpressureBytes must be >= 1, got " + bytes);
      }
      this.backpressureBytes = bytes;
      return this;
    }

    /**
     * Starts the server.
     *
     * @return the running server
     * @throws IllegalStateException if a non-loopback address is asked for without a token
     * @throws UncheckedIOException if the server cannot bind
     */
    public FlightBatchServer start() {
      if (token == null && !isLoopback(host)) {
        throw new IllegalStateException("refusing to serve on " + host + " without authentication: "
            + "call requireToken(...) (and preferably useTls(...)), or bind 127.0.0.1");
      }
      try {
        return new FlightBatchServer(this);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the Flight server on " + host + ":" + port, e);
      }
    }

    private static boolean isLoopback(String host) {
      try {
        return InetAddress.getByName(host).isLoopbackAddress();
      } catch (UnknownHostException e) {
        return false;
      }
    }
  }
}
