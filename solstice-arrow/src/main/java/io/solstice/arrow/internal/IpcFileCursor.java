package io.solstice.arrow.internal;

import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.SourceLease;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.message.ArrowBlock;

/**
 * Reads an Arrow IPC file block by block. The footer is validated first; a start position is
 * reached by counting rows from each block's metadata, without loading skipped bodies. An
 * {@code IOException} of the file itself (a failing disk) is told apart from Arrow's about the
 * bytes, so it ends in an {@code ArrowReadException}, not a corrupt-data error.
 *
 * <p>Thread safety: not thread-safe, like every BatchCursor: Flux.generate calls it serially.
 */
public final class IpcFileCursor extends BatchCursor {
  private final Callable<? extends SeekableByteChannel> opener;
  private FailureRecordingChannel channel;
  private ArrowFileReader reader;
  private List<ArrowBlock> blocks;
  private int nextBlock;

  /**
   * Creates the cursor.
   *
   * @param file the IPC file
   * @param lease the subscription's lease
   * @param batchSize rows per batch, 0 for as stored
   * @param startAt the start position or null
   */
  public IpcFileCursor(Path file, SourceLease lease, int batchSize, BatchPosition startAt) {
    this(file.getFileName().toString(), () -> FileChannel.open(file, StandardOpenOption.READ), lease,
        batchSize, startAt);
  }

  /**
   * Creates the cursor over a channel {@code opener} opens at the first read.
   *
   * @param name the source's name in messages
   * @param opener opens the file's channel
   * @param lease the subscription's lease
   * @param batchSize rows per batch, 0 for as stored
   * @param startAt the start position or null
   */
  public IpcFileCursor(String name, Callable<? extends SeekableByteChannel> opener, SourceLease lease,
      int batchSize, BatchPosition startAt) {
    super(name, lease, batchSize, startAt);
    this.opener = opener;
  }

  @Override
  protected void open(BufferAllocator allocator, BatchPosition startAt) throws Exception {
    channel = new FailureRecordingChannel(openInput(opener));
    IpcFileCheck.validate(channel, sourceName());
    reader = new ArrowFileReader(new ReleasingReadChannel(channel), allocator);
    blocks = reader.getRecordBlocks();
    if (startAt != null && startAt.fragment() == 0 && startAt.batch() > 0) {
      seek(startAt.batch());
    }
  }

  private void seek(long targetBatch) throws Exception {
    long emitted = 0;
    while (nextBlock < blocks.size()) {
      long rows = IpcFileCheck.rowCount(channel, blocks.get(nextBlock));
      long slices = rows == 0 ? 0 : batchSize() == 0 ? 1 : (rows + batchSize() - 1) / batchSize();
      if (emitted + slices > targetBatch) {
        break;
      }
      emitted += slices;
      nextBlock++;
    }
    positionNextLoad(0, emitted);
  }

  @Override
  protected IOException inputFailure() {
    return channel == null ? null : channel.failure();
  }

  @Override
  protected Loaded loadNext() throws Exception {
    if (nextBlock >= blocks.size()) {
      return null;
    }
    reader.loadRecordBatch(blocks.get(nextBlock++));
    return new Loaded(reader.getVectorSchemaRoot(), reader, 0);
  }

  @Override
  protected void closeReader() throws Exception {
    if (reader != null) {
      reader.close();
    } else if (channel != null) {
      channel.close();
    }
  }
}
