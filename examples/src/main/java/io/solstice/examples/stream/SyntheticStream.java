package io.solstice.examples.stream;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.FlightBatchServer;
import io.solstice.arrow.ReadOptions;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import reactor.core.publisher.Flux;

/**
 * The stream {@code solstice stream} serves itself: an in-process Arrow Flight server on loopback
 * serves an unbounded {@link RotatingHyperplane} (unpaced: backpressure alone holds it back), and
 * the run reads it over Flight as it would read anyone's endpoint.
 */
public final class SyntheticStream implements StreamSource {
  private static final Ticket TICKET = new Ticket("rotating-hyperplane".getBytes(StandardCharsets.UTF_8));

  private final RotatingHyperplane stream;
  private final int rows;
  private final long driftAt;
  private final AtomicLong produced = new AtomicLong();
  private final BufferAllocator serverAllocator = new RootAllocator();
  private final FlightBatchServer server;

  public SyntheticStream(int dimensions, int rows, long driftAt, long seed) {
    this.stream = new RotatingHyperplane(dimensions, rows, Math.PI / 2000, driftAt, 0.02, seed);
    this.rows = rows;
    this.driftAt = driftAt;
    try {
      this.server = FlightBatchServer.builder(serverAllocator, ticket -> stream.batches(serverAllocator, produced))
          .backpressureBytes(64 * 1024)
          .start();
    } catch (RuntimeException e) {
      serverAllocator.close();
      throw e;
    }
  }

  /**
   * The size of a batch's values.
   *
   * @return bytes per batch
   */
  long bytesPerBatch() {
    return stream.bytesPerBatch();
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "Serving a rotating hyperplane (%d features, %d rows per batch, abrupt drift "
        + "at step %d) over Arrow Flight at %s", stream.dimensions(), rows, driftAt, server.location().getUri());
  }

  @Override
  public Flux<ArrowBatch> batches(BufferAllocator allocator) {
    return ArrowSources.flight(server.location(), TICKET, allocator, ReadOptions.defaults());
  }

  @Override
  public long produced() {
    return produced.get();
  }

  /** Closes the server, which waits for its streams, then its allocator: a leak fails here. */
  @Override
  public void close() {
    try {
      server.close();
    } finally {
      serverAllocator.close();
    }
  }
}
