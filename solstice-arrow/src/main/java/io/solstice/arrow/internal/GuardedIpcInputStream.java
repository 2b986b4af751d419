package io.solstice.arrow.internal;

import io.solstice.arrow.CorruptIpcException;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Follows the framing of an Arrow IPC stream as the reader consumes it and refuses a message
 * whose declared metadata or body length exceeds what the input can hold, before the reader
 * allocates a buffer for it. Arrow's own stream reader trusts the declared lengths and would
 * allocate whatever a corrupt or hostile header says.
 *
 * <p>Each message is [0xFFFFFFFF] int32 metadataLength, metadata, body; this class reads the
 * prefix and the metadata ahead into a small buffer, checks the body length the metadata
 * declares, checks a record or dictionary batch against the stream's schema (see
 * {@link MessageCheck#checkColumns} and {@link MessageCheck#checkDictionary}), and then passes
 * bytes through, checking the last offset of each list in the body as it passes.
 *
 * <p>It also remembers the first {@code IOException} the wrapped stream itself threw, so that a
 * failing disk or network can be told apart from Arrow's own {@code IOException}s about bad
 * bytes.
 *
 * <p>Thread safety: not thread-safe, like any input stream; one reader reads it.
 */
public final class GuardedIpcInputStream extends FilterInputStream {
  private static final int CONTINUATION = 0xFFFFFFFF;

  private final String sourceName;
  private final long knownSize;
  private final long maxMessageBytes;

  private long position;
  private byte[] pending = new byte[0];
  private int pendingOffset;
  private long bodyRemaining;
  private boolean endOfStream;
  private IOException inputFailure;
  /** The body now passing through, and the offsets to check in it. */
  private BodyWatch body;
  /** The stream's schema, once its schema message has passed. */
  private Schema schema;

  /**
   * Wraps a stream.
   *
   * @param in the IPC stream
   * @param sourceName a name for messages
   * @param knownSize the total size of the input if known (a file), else -1
   * @param maxMessageBytes the cap on one message when the size is unknown
   */
  public GuardedIpcInputStream(InputStream in, String sourceName, long knownSize, long maxMessageBytes) {
    super(in);
    this.sourceName = sourceName;
    this.knownSize = knownSize;
    this.maxMessageBytes = maxMessageBytes;
  }

  /**
   * The first failure the wrapped stream itself threw, if it threw one.
   *
   * @return its {@code IOException}, or null
   */
  public IOException inputFailure() {
    return inputFailure;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (pendingOffset < pending.length) {
      int n = Math.min(len, pending.length - pendingOffset);
      System.arraycopy(pending, pendingOffset, b, off, n);
      pendingOffset += n;
      return n;
    }
    if (bodyRemaining > 0 || endOfStream) {
      int n = readInput(b, off, endOfStream ? len : (int) Math.min(len, bodyRemaining));
      if (n > 0) {
        position += n;
        if (!endOfStream) {
          body.passed(b, off, n);
          bodyRemaining -= n;
        }
      }
      return n;
    }
    if (!readNextMessageHeader()) {
      return -1;
    }
    return read(b, off, len);
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] sink = new byte[(int) Math.min(n, 8192)];
    int read = read(sink, 0, sink.length);
    return Math.max(read, 0);
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /** Reads the prefix and metadata of the next message into {@code pending}; false at EOF. */
  private boolean readNextMessageHeader() throws IOException {
    byte[] prefix = new byte[8];
    int got = readUpTo(prefix, 0, 4);
    if (got == 0) {
      return false;
    }
    if (got < 4) {
      throw truncated("a message length prefix");
    }
    int prefixLength = 4;
    int length = ByteBuffer.wrap(prefix, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    if (length == CONTINUATION) {
      if (readUpTo(prefix, 4, 4) < 4) {
        throw truncated("a message length prefix");
      }
      prefixLength = 8;
      length = ByteBuffer.wrap(prefix, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }
    if (length == 0) {
      if (knownSize >= 0 && position < knownSize) {
        // A file ends at its end-of-stream marker. Bytes after it mean that a message declared
        // more body than it has, and the reader landed on a zero word: the batches after the
        // lie would be lost without a word.
        throw new CorruptIpcException(null, sourceName + ": an end-of-stream marker at byte "
            + (position - prefixLength) + " is followed by " + (knownSize - position) + " more bytes of "
            + knownSize + ": a message declares a body its bytes do not have, or the file holds more than "
            + "one stream");
      }
      if (knownSize < 0 && arrivedAfterMarker()) {
        // A stream of unknown length cannot say whether more will come, but bytes that have
        // already arrived after the marker are the same sign; waiting for more could block a
        // producer that keeps its connection open.
        throw new CorruptIpcException(null, sourceName + ": an end-of-stream marker at byte "
            + (position - prefixLength) + " is followed by more bytes: a message declares a body its bytes "
            + "do not have, or the input holds more than one stream");
      }
      pending = java.util.Arrays.copyOf(prefix, prefixLength);
      pendingOffset = 0;
      endOfStream = true;
      return true;
    }
    checkLength("message metadata", length, limit());
    byte[] metadata = new byte[length];
    if (readUpTo(metadata, 0, length) < length) {
      throw truncated("message metadata of " + length + " bytes");
    }
    long bodyLength;
    Message message;
    try {
      message = Message.getRootAsMessage(ByteBuffer.wrap(metadata).order(ByteOrder.LITTLE_ENDIAN));
      bodyLength = message.bodyLength();
    } catch (RuntimeException e) {
      throw new CorruptIpcException(null, sourceName + ": message metadata at byte " + (position - length)
          + " is not a valid flatbuffer", e);
    }
    checkLength("message body", bodyLength, limit());
    String where = sourceName + ": the message at byte " + (position - length);
    MessageCheck.validate(message, bodyLength, -1, where);
    List<MessageCheck.LastOffset> lastOffsets = List.of();
    if (message.headerType() == MessageHeader.Schema) {
      schema = MessageCheck.schema(message, where);
    } else if (schema != null && message.headerType() == MessageHeader.RecordBatch) {
      lastOffsets = MessageCheck.checkColumns(message, schema, where);
    } else if (schema != null && message.headerType() == MessageHeader.DictionaryBatch) {
      lastOffsets = MessageCheck.checkDictionary(message, schema, where);
    }
    body = new BodyWatch(lastOffsets, where);
    pending = new byte[prefixLength + length];
    System.arraycopy(prefix, 0, pending, 0, prefixLength);
    System.arraycopy(metadata, 0, pending, prefixLength, length);
    pendingOffset = 0;
    bodyRemaining = bodyLength;
    return true;
  }

  /** Whether the input holds bytes it can give without blocking (a failing input counts as none). */
  private boolean arrivedAfterMarker() {
    try {
      return in.available() > 0;
    } catch (IOException e) {
      return false;
    }
  }

  private long limit() {
    return knownSize >= 0 ? knownSize - position : maxMessageBytes;
  }

  private void checkLength(String what, long declared, long limit) {
    if (declared < 0 || declared > limit) {
      throw new CorruptIpcException(null, sourceName + ": " + what + " near byte " + position + " declares "
          + declared + " bytes but " + (knownSize >= 0 ? "only " + limit + " bytes remain in the input"
              : "the limit is " + limit + " bytes (raise ReadOptions.maxMessageBytes if this is genuine)"));
    }
  }

  private IOException truncated(String what) {
    return new EOFException(sourceName + ": input ends inside " + what + " at byte " + position);
  }

  private int readUpTo(byte[] b, int off, int len) throws IOException {
    int total = 0;
    while (total < len) {
      int n = readInput(b, off + total, len - total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    position += total;
    return total;
  }

  /**
   * Checks the last offsets of a batch's lists as their bytes pass on their way to Arrow's
   * reader: a bad one throws inside the reader's read of the body, which releases the body's
   * buffer before anything is loaded.
   */
  private static final class BodyWatch {
    private final List<MessageCheck.LastOffset> lastOffsets;
    private final ByteBuffer[] seen;
    private final String where;
    private long passed;

    BodyWatch(List<MessageCheck.LastOffset> lastOffsets, String where) {
      this.lastOffsets = lastOffsets;
      this.seen = new ByteBuffer[lastOffsets.size()];
      for (int i = 0; i < seen.length; i++) {
        seen[i] = ByteBuffer.allocate(lastOffsets.get(i).width());
      }
      this.where = where;
    }

    /** Takes note of the next {@code n} bytes of the body. */
    void passed(byte[] b, int off, int n) {
      for (int i = 0; i < seen.length; i++) {
        MessageCheck.LastOffset lastOffset = lastOffsets.get(i);
        long from = Math.max(passed, lastOffset.bodyPosition());
        long to = Math.min(passed + n, lastOffset.bodyPosition() + lastOffset.width());
        if (from < to) {
          seen[i].put((int) (from - lastOffset.bodyPosition()), b, off + (int) (from - passed), (int) (to - from));
          if (to == lastOffset.bodyPosition() + lastOffset.width()) {
            lastOffset.check(seen[i], where);
          }
        }
      }
      passed += n;
    }
  }

  private int readInput(byte[] b, int off, int len) throws IOException {
    try {
      return super.read(b, off, len);
    } catch (IOException e) {
      if (inputFailure == null) {
        inputFailure = e;
      }
      throw e;
    }
  }
}
