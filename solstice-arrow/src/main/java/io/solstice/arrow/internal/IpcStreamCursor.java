package io.solstice.arrow.internal;

import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.SourceLease;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Callable;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowStreamReader;

/**
 * Reads an Arrow IPC stream through a {@link GuardedIpcInputStream}.
 *
 * <p>Thread safety: not thread-safe, like every BatchCursor: Flux.generate calls it serially.
 */
public final class IpcStreamCursor extends BatchCursor {
  private final Callable<InputStream> opener;
  private final long knownSize;
  private final long maxMessageBytes;
  private InputStream input;
  private GuardedIpcInputStream guarded;
  private ArrowStreamReader reader;

  /**
   * Creates the cursor.
   *
   * @param name a name for positions and messages
   * @param opener opens the stream, once per subscription
   * @param knownSize the stream's size if known (a file), else -1
   * @param maxMessageBytes the cap on one message when the size is unknown
   * @param lease the subscription's lease
   * @param batchSize rows per batch, 0 for as stored
   * @param startAt the start position or null
   */
  public IpcStreamCursor(String name, Callable<InputStream> opener, long knownSize, long maxMessageBytes,
      SourceLease lease, int batchSize, BatchPosition startAt) {
    super(name, lease, batchSize, startAt);
    this.opener = opener;
    this.knownSize = knownSize;
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  protected void open(BufferAllocator allocator, BatchPosition startAt) throws Exception {
    input = openInput(opener);
    if (input == null) {
      throw new IllegalStateException(sourceName() + ": the stream supplier returned null");
    }
    guarded = new GuardedIpcInputStream(
        new BufferedInputStream(input, 1 << 16), sourceName(), knownSize, maxMessageBytes);
    reader = new ArrowStreamReader(guarded, allocator);
  }

  @Override
  protected Loaded loadNext() throws Exception {
    return reader.loadNextBatch() ? new Loaded(reader.getVectorSchemaRoot(), reader, 0) : null;
  }

  @Override
  protected IOException inputFailure() {
    return guarded == null ? null : guarded.inputFailure();
  }

  @Override
  protected void closeReader() throws Exception {
    if (reader != null) {
      reader.close();
    } else if (input != null) {
      input.close();
    }
  }
}
