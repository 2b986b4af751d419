package io.solstice.arrow.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.ipc.SeekableReadChannel;

/**
 * The channel under Arrow's file reader, releasing the buffer of a block whose read fails.
 * Arrow 18.3's file reader allocates a buffer for a whole record or dictionary batch
 * ({@code MessageSerializer.deserializeRecordBatch(ReadChannel, ArrowBlock, BufferAllocator)})
 * and never releases it when the read throws or comes back short: a disk error would leak it, and
 * the consumer's allocator would then refuse to close.
 *
 * <p>Only those two calls read into an {@code ArrowBuf} from a file reader, and neither touches
 * the buffer after a failed read, so releasing it here is safe.
 *
 * <p>Thread safety: not thread-safe, like the reader that reads it.
 */
final class ReleasingReadChannel extends SeekableReadChannel {

  ReleasingReadChannel(SeekableByteChannel channel) {
    super(channel);
  }

  @Override
  public long readFully(ArrowBuf buffer, long length) throws IOException {
    long read;
    try {
      read = super.readFully(buffer, length);
    } catch (IOException | RuntimeException e) {
      buffer.close();
      throw e;
    }
    if (read != length) {
      buffer.close();
      // The footer check placed every block inside the file, so the file shrank while being read.
      throw new EOFException("the file ended inside a block (" + read + " of " + length + " bytes read)");
    }
    return read;
  }
}
