package io.solstice.arrow.internal;

import io.solstice.arrow.CorruptIpcException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.flatbuf.Footer;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.ArrowFooter;

/**
 * Checks an Arrow IPC file's footer before Arrow's reader trusts it: the magic numbers, the
 * footer length, and that every block (metadata plus body) lies inside the file, so that a
 * corrupt or hostile footer cannot make the reader allocate more than the file holds, and that
 * every record and dictionary batch fits the footer's schema ({@link MessageCheck#checkColumns},
 * {@link MessageCheck#checkDictionary}), the last offsets of its lists included. Also reads a
 * record batch's row count from its metadata alone, for seeking.
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
public final class IpcFileCheck {
  private static final byte[] MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);

  private IpcFileCheck() {}

  /**
   * Validates the file layout.
   *
   * @param channel the file
   * @param name a name for messages
   * @return the footer
   * @throws IOException if reading fails
   */
  public static ArrowFooter validate(SeekableByteChannel channel, String name) throws IOException {
    long size = channel.size();
    int minimum = MAGIC.length * 2 + 4;
    if (size < minimum) {
      throw new CorruptIpcException(null, name + ": " + size + " bytes is too short for an Arrow IPC file");
    }
    ByteBuffer head = read(channel, 0, MAGIC.length);
    ByteBuffer tail = read(channel, size - MAGIC.length - 4, MAGIC.length + 4);
    if (!startsWithMagic(head, 0) || !startsWithMagic(tail, 4)) {
      throw new CorruptIpcException(null, name + ": missing the ARROW1 magic number; not an Arrow IPC file "
          + "(an IPC stream needs ArrowSources.ipcStream)");
    }
    int footerLength = tail.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    long footerStart = size - MAGIC.length - 4 - footerLength;
    if (footerLength <= 0 || footerStart < MAGIC.length) {
      throw new CorruptIpcException(null, name + ": footer declares " + footerLength + " bytes in a file of "
          + size + " bytes");
    }
    ArrowFooter footer;
    try {
      footer = new ArrowFooter(Footer.getRootAsFooter(read(channel, footerStart, footerLength)));
    } catch (RuntimeException e) {
      throw new CorruptIpcException(null, name + ": the footer is not a valid flatbuffer", e);
    }
    checkBlocks(footer.getDictionaries(), footerStart, name, "dictionary");
    checkBlocks(footer.getRecordBatches(), footerStart, name, "record batch");
    for (ArrowBlock block : footer.getDictionaries()) {
      Message message = message(channel, block);
      String where = name + ": the dictionary block at byte " + block.getOffset();
      MessageCheck.validate(message, block.getBodyLength(), MessageHeader.DictionaryBatch, where);
      checkLastOffsets(channel, block, MessageCheck.checkDictionary(message, footer.getSchema(), where), where);
    }
    for (ArrowBlock block : footer.getRecordBatches()) {
      Message message = message(channel, block);
      String where = name + ": the record batch block at byte " + block.getOffset();
      MessageCheck.validate(message, block.getBodyLength(), MessageHeader.RecordBatch, where);
      // Arrow's file reader loads every batch with the footer's schema.
      checkLastOffsets(channel, block, MessageCheck.checkColumns(message, footer.getSchema(), where), where);
    }
    return footer;
  }

  /**
   * The row count a record batch block declares, read from its metadata without its body.
   *
   * @param channel the file
   * @param block a validated record batch block
   * @return the row count
   * @throws IOException if reading fails
   */
  public static long rowCount(SeekableByteChannel channel, ArrowBlock block) throws IOException {
    Message message = message(channel, block);
    if (message.headerType() != MessageHeader.RecordBatch) {
      throw new CorruptIpcException(null, "block at byte " + block.getOffset() + " is not a record batch");
    }
    RecordBatch batch = (RecordBatch) message.header(new RecordBatch());
    return batch.length();
  }

  /** Reads each list's last offset from the block's body and checks it. */
  private static void checkLastOffsets(SeekableByteChannel channel, ArrowBlock block,
      List<MessageCheck.LastOffset> lastOffsets, String where) throws IOException {
    long body = block.getOffset() + block.getMetadataLength();
    for (MessageCheck.LastOffset lastOffset : lastOffsets) {
      lastOffset.check(read(channel, body + lastOffset.bodyPosition(), lastOffset.width()), where);
    }
  }

  /** Reads a block's message metadata (after its length prefix) without its body. */
  private static Message message(SeekableByteChannel channel, ArrowBlock block) throws IOException {
    ByteBuffer meta = read(channel, block.getOffset(), block.getMetadataLength()).order(ByteOrder.LITTLE_ENDIAN);
    int skip = meta.getInt(0) == -1 ? 8 : 4;
    meta.position(skip);
    try {
      return Message.getRootAsMessage(meta.slice().order(ByteOrder.LITTLE_ENDIAN));
    } catch (RuntimeException e) {
      throw new CorruptIpcException(null, "the block at byte " + block.getOffset() + " has no valid message", e);
    }
  }

  private static void checkBlocks(List<ArrowBlock> blocks, long end, String name, String what) {
    for (ArrowBlock b : blocks) {
      long offset = b.getOffset();
      long meta = b.getMetadataLength();
      long body = b.getBodyLength();
      if (offset < MAGIC.length || meta < 8 || body < 0 || meta > end || body > end
          || offset + meta + body > end) {
        throw new CorruptIpcException(null, name + ": a " + what + " block declares offset " + offset
            + ", metadata " + meta + " and body " + body + " bytes, beyond the " + end
            + " bytes before the footer; the file is truncated or corrupt");
      }
    }
  }

  private static boolean startsWithMagic(ByteBuffer b, int at) {
    for (int i = 0; i < MAGIC.length; i++) {
      if (b.get(at + i) != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  private static ByteBuffer read(SeekableByteChannel channel, long at, int length) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(length);
    channel.position(at);
    while (buf.hasRemaining()) {
      if (channel.read(buf) < 0) {
        throw new CorruptIpcException(null, "unexpected end of file at byte " + channel.position());
      }
    }
    buf.flip();
    return buf;
  }
}
