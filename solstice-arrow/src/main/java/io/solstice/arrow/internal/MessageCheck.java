package io.solstice.arrow.internal;

import io.solstice.arrow.CorruptIpcException;
import java.util.HashSet;
import java.util.Set;
import org.apache.arrow.flatbuf.Buffer;
import org.apache.arrow.flatbuf.DictionaryBatch;
import org.apache.arrow.flatbuf.Field;
import org.apache.arrow.flatbuf.FieldNode;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.flatbuf.Schema;

/**
 * Checks a record batch or dictionary batch message before Arrow's reader deserializes it:
 * every buffer must lie inside the body, every count must be non-negative, and the row count
 * must be the first column's length. Arrow's deserializer slices the body buffer by these
 * numbers and, if a slice fails, never releases the body, and its loader allocates for the row
 * count; checking first means a corrupt message is refused while nothing is allocated.
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
public final class MessageCheck {
  private MessageCheck() {}

  /**
   * Validates one message.
   *
   * @param message the parsed message
   * @param bodyLength the body length the reader will allocate for it
   * @param expectedHeader the header type required here, or -1 for any
   * @param where the source and position, for messages
   */
  public static void validate(Message message, long bodyLength, int expectedHeader, String where) {
    try {
      byte type = message.headerType();
      if (expectedHeader >= 0 && type != expectedHeader) {
        throw corrupt(where, "holds a " + MessageHeader.name(type) + " message where a "
            + MessageHeader.name(expectedHeader) + " was expected");
      }
      if (type == MessageHeader.RecordBatch) {
        checkBatch((RecordBatch) message.header(new RecordBatch()), bodyLength, where);
      } else if (type == MessageHeader.DictionaryBatch) {
        DictionaryBatch dictionary = (DictionaryBatch) message.header(new DictionaryBatch());
        if (dictionary == null || dictionary.data() == null) {
          throw corrupt(where, "has a dictionary batch without data");
        }
        checkBatch(dictionary.data(), bodyLength, where);
      } else if (type != MessageHeader.Schema) {
        throw corrupt(where, "has an unknown message type " + type);
      }
    } catch (CorruptIpcException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CorruptIpcException(null, where + ": message metadata is not a valid flatbuffer (" + e + ")", e);
    }
  }

  /**
   * The dictionary ids a schema message declares, in any field at any depth.
   *
   * @param schemaMessage a message whose header is a schema
   * @return the declared ids
   */
  public static Set<Long> dictionaryIds(Message schemaMessage) {
    Set<Long> ids = new HashSet<>();
    Schema schema = (Schema) schemaMessage.header(new Schema());
    for (int i = 0; schema != null && i < schema.fieldsLength(); i++) {
      collectDictionaryIds(schema.fields(new Field(), i), ids);
    }
    return ids;
  }

  /**
   * Refuses a dictionary batch whose id the stream's schema does not declare. Arrow's stream
   * reader reads such a batch and then fails without releasing its body, so it must be
   * refused before the reader sees it.
   *
   * @param message a dictionary batch message
   * @param declared the ids the schema declares
   * @param where the source and position, for messages
   */
  public static void checkDictionaryId(Message message, Set<Long> declared, String where) {
    long id = ((DictionaryBatch) message.header(new DictionaryBatch())).id();
    if (!declared.contains(id)) {
      throw corrupt(where, "has a dictionary batch for id " + id + ", which the schema does not declare "
          + "(declared: " + declared + ")");
    }
  }

  private static void collectDictionaryIds(Field field, Set<Long> ids) {
    if (field.dictionary() != null) {
      ids.add(field.dictionary().id());
    }
    for (int j = 0; j < field.childrenLength(); j++) {
      collectDictionaryIds(field.children(new Field(), j), ids);
    }
  }

  private static void checkBatch(RecordBatch batch, long bodyLength, String where) {
    if (batch == null) {
      throw corrupt(where, "has a record batch message without a header");
    }
    if (batch.length() < 0 || batch.length() > Integer.MAX_VALUE) {
      throw corrupt(where, "declares " + batch.length() + " rows");
    }
    FieldNode node = new FieldNode();
    for (int i = 0; i < batch.nodesLength(); i++) {
      batch.nodes(node, i);
      if (node.length() < 0 || node.length() > Integer.MAX_VALUE || node.nullCount() < 0
          || node.nullCount() > node.length()) {
        throw corrupt(where, "field node " + i + " declares length " + node.length() + " and null count "
            + node.nullCount());
      }
    }
    // Arrow sizes every column to the row count, allocating what it declares; the first node is
    // a top-level column, whose length the row count must equal.
    if (batch.nodesLength() > 0 && batch.nodes(node, 0).length() != batch.length()) {
      throw corrupt(where, "declares " + batch.length() + " rows but its first column holds " + node.length()
          + " values");
    }
    Buffer buffer = new Buffer();
    for (int i = 0; i < batch.buffersLength(); i++) {
      batch.buffers(buffer, i);
      long offset = buffer.offset();
      long length = buffer.length();
      if (offset < 0 || length < 0 || offset > bodyLength || length > bodyLength - offset) {
        throw corrupt(where, "buffer " + i + " declares bytes [" + offset + ", " + offset + " + " + length
            + ") outside the " + bodyLength + "-byte body");
      }
    }
    if (batch.compression() != null) {
      batch.compression().codec();
    }
  }

  private static CorruptIpcException corrupt(String where, String what) {
    return new CorruptIpcException(null, where + " " + what + "; the input is corrupt");
  }
}
