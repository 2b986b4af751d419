package io.solstice.arrow;

import com.google.flatbuffers.FlatBufferBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flatbuf.DictionaryBatch;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.MetadataVersion;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.ArrowFooter;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Arrow IPC messages taken apart and put back together, so a fuzzer can change one field of one
 * message (a row count, a buffer length, a node count) and still frame a well-formed stream or
 * file around the lie.
 */
final class IpcMessages {

  private IpcMessages() {}

  /** One framed message: its flatbuffer metadata (unpadded) and its body. */
  record Framed(byte[] metadata, byte[] body) {
    Message message() {
      return Message.getRootAsMessage(ByteBuffer.wrap(metadata).order(ByteOrder.LITTLE_ENDIAN));
    }

    boolean isRecordBatch() {
      return message().headerType() == MessageHeader.RecordBatch;
    }

    /** This message with its metadata replaced. */
    Framed withMetadata(byte[] replaced) {
      return new Framed(replaced, body);
    }
  }

  /** The messages of a stream, without the end-of-stream marker. */
  static List<Framed> parseStream(byte[] stream) {
    ByteBuffer in = ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN);
    List<Framed> messages = new ArrayList<>();
    while (in.remaining() >= 8) {
      int continuation = in.getInt();
      int length = continuation == -1 ? in.getInt() : continuation;
      if (length == 0) {
        break;
      }
      byte[] metadata = new byte[length];
      in.get(metadata);
      long bodyLength = Message.getRootAsMessage(
          ByteBuffer.wrap(metadata).order(ByteOrder.LITTLE_ENDIAN)).bodyLength();
      byte[] body = new byte[(int) bodyLength];
      in.get(body);
      messages.add(new Framed(metadata, body));
    }
    return messages;
  }

  /** Frames messages as a stream, with the end-of-stream marker. */
  static byte[] stream(List<Framed> messages) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Framed m : messages) {
      out.writeBytes(frame(m));
    }
    out.writeBytes(le(-1));
    out.writeBytes(le(0));
    return out.toByteArray();
  }

  /**
   * Frames messages as an IPC file: magic, the messages, a footer naming {@code footerSchema}
   * and a block for every dictionary and record batch at its real offset, and the closing magic.
   */
  static byte[] file(List<Framed> messages, Schema footerSchema) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("ARROW1\0\0".getBytes(StandardCharsets.US_ASCII));
    List<ArrowBlock> dictionaries = new ArrayList<>();
    List<ArrowBlock> batches = new ArrayList<>();
    for (Framed m : messages) {
      long offset = out.size();
      byte[] framed = frame(m);
      out.writeBytes(framed);
      ArrowBlock block = new ArrowBlock(offset, framed.length - m.body().length, m.body().length);
      if (m.isRecordBatch()) {
        batches.add(block);
      } else if (m.message().headerType() == MessageHeader.DictionaryBatch) {
        dictionaries.add(block);
      }
    }
    FlatBufferBuilder fb = new FlatBufferBuilder();
    fb.finish(new ArrowFooter(footerSchema, dictionaries, batches).writeTo(fb));
    byte[] footer = fb.sizedByteArray();
    out.writeBytes(footer);
    out.writeBytes(le(footer.length));
    out.writeBytes("ARROW1".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  private static byte[] frame(Framed m) {
    int padded = (m.metadata().length + 7) / 8 * 8;
    ByteBuffer b = ByteBuffer.allocate(8 + padded + m.body().length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(-1).putInt(padded).put(m.metadata());
    b.position(8 + padded);
    b.put(m.body());
    return b.array();
  }

  private static byte[] le(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
  }

  /**
   * The fields of a record batch's metadata, or of a dictionary batch's (its id and delta flag
   * and the record batch it wraps), to be changed and re-encoded.
   */
  static final class BatchFields {
    long length;
    final List<long[]> nodes = new ArrayList<>(); // {length, nullCount}
    final List<long[]> buffers = new ArrayList<>(); // {offset, length}
    long bodyLength;
    /** The dictionary id of a dictionary batch; null for a record batch. */
    Long dictionaryId;
    boolean delta;

    static BatchFields of(Framed m) {
      Message message = m.message();
      BatchFields f = new BatchFields();
      RecordBatch rb;
      if (message.headerType() == MessageHeader.DictionaryBatch) {
        DictionaryBatch dictionary = (DictionaryBatch) message.header(new DictionaryBatch());
        f.dictionaryId = dictionary.id();
        f.delta = dictionary.isDelta();
        rb = dictionary.data();
      } else {
        rb = (RecordBatch) message.header(new RecordBatch());
      }
      f.length = rb.length();
      for (int i = 0; i < rb.nodesLength(); i++) {
        f.nodes.add(new long[] {rb.nodes(i).length(), rb.nodes(i).nullCount()});
      }
      for (int i = 0; i < rb.buffersLength(); i++) {
        f.buffers.add(new long[] {rb.buffers(i).offset(), rb.buffers(i).length()});
      }
      f.bodyLength = message.bodyLength();
      return f;
    }

    /** The message metadata: a dictionary batch if {@link #dictionaryId} is set, else a record batch. */
    byte[] encode() {
      FlatBufferBuilder fb = new FlatBufferBuilder();
      RecordBatch.startNodesVector(fb, nodes.size());
      for (int i = nodes.size() - 1; i >= 0; i--) {
        org.apache.arrow.flatbuf.FieldNode.createFieldNode(fb, nodes.get(i)[0], nodes.get(i)[1]);
      }
      int nodesOffset = fb.endVector();
      RecordBatch.startBuffersVector(fb, buffers.size());
      for (int i = buffers.size() - 1; i >= 0; i--) {
        org.apache.arrow.flatbuf.Buffer.createBuffer(fb, buffers.get(i)[0], buffers.get(i)[1]);
      }
      int buffersOffset = fb.endVector();
      int batch = RecordBatch.createRecordBatch(fb, length, nodesOffset, buffersOffset, 0, 0);
      int header = batch;
      byte type = MessageHeader.RecordBatch;
      if (dictionaryId != null) {
        header = DictionaryBatch.createDictionaryBatch(fb, dictionaryId, batch, delta);
        type = MessageHeader.DictionaryBatch;
      }
      fb.finish(Message.createMessage(fb, MetadataVersion.V5, type, header, bodyLength, 0));
      return fb.sizedByteArray();
    }
  }
}
