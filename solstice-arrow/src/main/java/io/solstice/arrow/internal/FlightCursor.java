package io.solstice.arrow.internal;

import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.SourceLease;
import java.util.function.Function;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one Flight stream ({@code DoGet}). Pulling the next batch is what asks the server for
 * more, so the consumer's demand paces the server. Closing before the end cancels the call.
 *
 * <p>Thread safety: not thread-safe, like every BatchCursor (Flux.generate calls it serially),
 * but for {@link #abort()}, which cancels the call from any thread.
 */
public final class FlightCursor extends BatchCursor {
  private static final Logger LOG = LoggerFactory.getLogger(FlightCursor.class);

  private final Function<BufferAllocator, FlightClient> clients;
  private final Ticket ticket;
  private final CallOption[] callOptions;
  private FlightClient client;
  /** Volatile for {@link #abort()}, which reads it from the cancelling thread. */
  private volatile FlightStream stream;
  private boolean finished;

  /**
   * Creates the cursor.
   *
   * @param name the server's name, for positions and messages
   * @param clients connects a client to the server, with the given allocator
   * @param ticket the stream to get
   * @param callOptions call options (for example credentials)
   * @param lease the subscription's lease
   * @param batchSize rows per batch, 0 for as sent
   * @param startAt the start position or null
   */
  public FlightCursor(String name, Function<BufferAllocator, FlightClient> clients, Ticket ticket,
      CallOption[] callOptions, SourceLease lease, int batchSize, BatchPosition startAt) {
    super(name, lease, batchSize, startAt);
    this.clients = clients;
    this.ticket = ticket;
    this.callOptions = callOptions.clone();
  }

  @Override
  protected void open(BufferAllocator allocator, BatchPosition startAt) {
    client = clients.apply(allocator);
    stream = client.getStream(ticket, callOptions);
    if (aborted()) {
      // abort() ran while the call was being made, before it could see the stream.
      cancel(stream);
    }
  }

  /** Cancels the call, which wakes a read waiting in {@code stream.next()} (it then fails). */
  @Override
  protected void stopReading() {
    FlightStream current = stream;
    if (current != null) {
      cancel(current);
    }
  }

  private void cancel(FlightStream current) {
    try {
      // gRPC's cancel may come from any thread and does nothing on a call already ended.
      current.cancel("the consumer stopped reading", null);
    } catch (RuntimeException e) {
      LOG.debug("{}: cancelling the stream failed", sourceName(), e);
    }
  }

  @Override
  protected Loaded loadNext() {
    if (!stream.next()) {
      finished = true;
      return null;
    }
    return new Loaded(stream.getRoot(), stream.getDictionaryProvider(), 0);
  }

  @Override
  protected RuntimeException translate(Throwable failure) {
    if (failure instanceof FlightRuntimeException f) {
      return f;
    }
    return super.translate(failure);
  }

  @Override
  protected void closeReader() throws Exception {
    try {
      if (stream != null) {
        if (!finished) {
          stream.cancel("the consumer stopped reading", null);
        }
        try {
          stream.close();
        } catch (FlightRuntimeException e) {
          LOG.debug("{}: stream closed with {}", sourceName(), e.status());
        }
      }
    } finally {
      if (client != null) {
        client.close();
      }
    }
  }
}
