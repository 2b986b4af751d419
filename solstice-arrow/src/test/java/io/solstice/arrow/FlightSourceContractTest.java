package io.solstice.arrow;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.Ticket;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * {@link SourceContract} for {@link ArrowSources#flight} against a {@link FlightBatchServer} on
 * loopback serving an IPC file; broken input: the server's own source fails mid-stream (a cut
 * file), which reaches the client as Flight's typed error.
 */
class FlightSourceContractTest extends SourceContract {
  private static final Ticket DATA = new Ticket("data".getBytes(StandardCharsets.UTF_8));
  private static final Ticket BROKEN = new Ticket("broken".getBytes(StandardCharsets.UTF_8));

  @TempDir Path dir;
  private FlightBatchServer server;

  @Override
  protected void open() throws Exception {
    Path data = TestData.writeIpcFile(dir, "data.arrow", allocator, BATCHES, ROWS);
    byte[] whole = Files.readAllBytes(data);
    Path cut = Files.write(dir.resolve("cut.arrow"), Arrays.copyOf(whole, whole.length / 2));
    server = FlightBatchServer.builder(allocator,
        ticket -> ArrowSources.ipcFile(ticket.equals(DATA) ? data : cut, allocator)).start();
  }

  @Override
  protected Flux<ArrowBatch> source() {
    return ArrowSources.flight(server.location(), DATA, allocator, ReadOptions.defaults());
  }

  @Override
  protected Flux<ArrowBatch> broken() {
    return ArrowSources.flight(server.location(), BROKEN, allocator, ReadOptions.defaults());
  }

  @Override
  protected Class<? extends Throwable> brokenError() {
    return FlightRuntimeException.class;
  }

  @Override
  protected void release() throws Exception {
    server.close();
  }
}
