package io.solstice.arrow.internal;

import io.solstice.arrow.CorruptIpcException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.flatbuf.Buffer;
import org.apache.arrow.flatbuf.DictionaryBatch;
import org.apache.arrow.flatbuf.FieldNode;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.vector.BufferLayout;
import org.apache.arrow.vector.BufferLayout.BufferType;
import org.apache.arrow.vector.TypeLayout;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Checks a record batch or dictionary batch message before Arrow's reader deserializes it:
 * every buffer must lie inside the body, every count must be non-negative, and the row count
 * must be the first column's length. Arrow's deserializer slices the body buffer by these
 * numbers and, if a slice fails, never releases the body, and its loader allocates for the row
 * count; checking first means a corrupt message is refused while nothing is allocated. A record
 * batch is also checked against its schema ({@link #checkColumns}), a dictionary batch against
 * the dictionary the schema declares ({@link #checkDictionary}).
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
   * The schema a schema message declares, converted as Arrow's reader converts it.
   *
   * @param schemaMessage a message whose header is a schema
   * @param where the source and position, for messages
   * @return the schema
   */
  public static Schema schema(Message schemaMessage, String where) {
    try {
      return Schema.convertSchema((org.apache.arrow.flatbuf.Schema) schemaMessage.header(
          new org.apache.arrow.flatbuf.Schema()));
    } catch (RuntimeException e) {
      throw new CorruptIpcException(null, where + " holds a schema Arrow cannot read (" + e + ")", e);
    }
  }

  /**
   * Checks a dictionary batch against the schema: its id must be one the schema declares (Arrow's
   * stream reader reads a batch for another id and then fails without releasing its body), and
   * its values must fit the type the schema gives that dictionary's values, as
   * {@link #checkColumns} checks a record batch: Arrow loads a dictionary with the same loader.
   *
   * @param message a dictionary batch message that passed {@link #validate}
   * @param schema the schema of the stream or file
   * @param where the source and position, for messages
   * @return the last offsets of its lists, to check in its body
   */
  public static List<LastOffset> checkDictionary(Message message, Schema schema, String where) {
    Map<Long, Field> declared = new TreeMap<>();
    schema.getFields().forEach(f -> collectDictionaries(f, declared));
    DictionaryBatch dictionary = (DictionaryBatch) message.header(new DictionaryBatch());
    Field encoded = declared.get(dictionary.id());
    if (encoded == null) {
      throw corrupt(where, "has a dictionary batch for id " + dictionary.id() + ", which the schema does not declare "
          + "(declared: " + declared.keySet() + ")");
    }
    // Arrow holds a dictionary's values in a vector of the field's value type and children.
    Field values = new Field(encoded.getName() + " (dictionary " + dictionary.id() + ")",
        new FieldType(encoded.isNullable(), encoded.getType(), null), encoded.getChildren());
    return checkColumns(dictionary.data(), List.of(values), where);
  }

  private static void collectDictionaries(Field field, Map<Long, Field> dictionaries) {
    if (field.getDictionary() != null) {
      dictionaries.put(field.getDictionary().getId(), field);
    }
    field.getChildren().forEach(child -> collectDictionaries(child, dictionaries));
  }

  /**
   * Checks a record batch's field nodes and buffers against the schema's columns, so that Arrow's
   * loader, which trusts the schema, allocates nothing for a batch that does not fit it. After
   * loading the buffers, the loader sets every vector to the values its parent implies (the row
   * count for a column, rows times the width for a fixed-size list's values, the struct's count
   * for a struct's fields) and reallocates a fixed-width vector whose buffers are too small for
   * them. So a schema whose fixed-size list is wider than the batch's values made it allocate
   * rows times that width, up to the allocator's limit; and a schema whose value type is wider
   * than the buffers (a float read as a decimal) made the reallocation copy the loaded validity
   * buffer into a smaller new one, which throws, and Arrow 18.3 then never releases the new
   * buffer. Refused here, such a batch costs nothing.
   *
   * <p>A list's or map's values are as many as the list's last offset says, a number in the body,
   * not in the metadata: a lie there made the loader allocate for it (a 488-byte stream whose
   * last offset said 10,000,000 took 50 MB before the allocator's limit stopped it). So this
   * returns where each such offset lies in the body, and the reader must check it there ({@link
   * LastOffset#check}) before Arrow loads the batch. Union type ids are not checked.
   *
   * @param message a record batch message that passed {@link #validate}
   * @param schema the schema its reader will load it with
   * @param where the source and position, for messages
   * @return the last offsets of its lists and maps, to check in its body
   */
  public static List<LastOffset> checkColumns(Message message, Schema schema, String where) {
    return checkColumns((RecordBatch) message.header(new RecordBatch()), schema.getFields(), where);
  }

  private static List<LastOffset> checkColumns(RecordBatch batch, List<Field> fields, String where) {
    Columns columns = new Columns(batch, where);
    try {
      for (Field field : fields) {
        columns.check(field, field.getName(), batch.length());
      }
      columns.checkAllTaken();
      return columns.lastOffsets;
    } catch (CorruptIpcException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CorruptIpcException(null, where + " cannot be laid out by its schema (" + e + ")", e);
    }
  }

  /**
   * Where a list's or map's last offset lies in its batch's body, and the values the batch holds
   * for it (the length of its values' node), which the offset may not exceed.
   *
   * @param column the column, for messages
   * @param bodyPosition the offset's first byte, from the start of the body
   * @param width the offset's size in bytes: 4, or 8 for a large list
   * @param values the values the list's values column holds
   */
  public record LastOffset(String column, long bodyPosition, int width, long values) {

    /**
     * Refuses an offset the values cannot hold.
     *
     * @param littleEndian the offset's {@link #width} bytes as stored
     * @param where the source and position, for messages
     */
    public void check(ByteBuffer littleEndian, String where) {
      ByteBuffer bytes = littleEndian.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      long offset = width == 4 ? bytes.getInt(0) : bytes.getLong(0);
      if (offset < 0 || offset > values) {
        throw corrupt(where, "has a last offset of " + offset + " in list column " + column + ", whose values "
            + "column holds " + values);
      }
    }
  }

  /** A walk over a record batch's field nodes and buffers, in the order Arrow's loader takes them. */
  private static final class Columns {
    private final RecordBatch batch;
    private final String where;
    /** Compressed buffers declare their compressed lengths, which say nothing of the values. */
    private final boolean compressed;
    private int nextNode;
    private int nextBuffer;
    private int nextVariadicCount;
    final List<LastOffset> lastOffsets = new ArrayList<>();

    Columns(RecordBatch batch, String where) {
      this.batch = batch;
      this.where = where;
      this.compressed = batch.compression() != null;
    }

    /** Checks a column's node and buffers, then its children's; it must hold at least {@code needed} values. */
    void check(Field field, String path, long needed) {
      if (nextNode >= batch.nodesLength()) {
        throw corrupt(where, "has " + batch.nodesLength() + " field nodes, too few for its schema");
      }
      FieldNode node = batch.nodes(new FieldNode(), nextNode++);
      if (node.length() < needed) {
        throw corrupt(where, "has " + node.length() + " values in column " + path + " where the schema needs "
            + needed);
      }
      DictionaryEncoding dictionary = field.getDictionary();
      ArrowType type = dictionary == null ? field.getType() : dictionary.getIndexType();
      TypeLayout layout = TypeLayout.getTypeLayout(type);
      List<BufferLayout> buffers = layout.getBufferLayouts();
      long count = buffers.size() + (layout.isFixedBufferCount() ? 0 : variadicCount());
      if (count > batch.buffersLength() - nextBuffer) {
        throw corrupt(where, "has " + batch.buffersLength() + " buffers, too few for its schema");
      }
      boolean fixedWidth = layout.getBufferTypes().equals(List.of(BufferType.VALIDITY, BufferType.DATA));
      long offsetsStart = -1;
      for (int i = 0; i < count; i++) {
        int index = nextBuffer++;
        Buffer buffer = batch.buffers(new Buffer(), index);
        if (i < buffers.size() && buffers.get(i).getType() == BufferType.OFFSET) {
          offsetsStart = buffer.offset();
        }
        long holds = buffer.length();
        long bytes = compressed || i >= buffers.size() ? 0
            : bytesNeeded(buffers.get(i), fixedWidth, type instanceof ArrowType.Union, node, holds);
        if (holds < bytes) {
          throw corrupt(where, "has " + node.length() + " values of " + type + " in column " + path + ", whose "
              + buffers.get(i).getType().getName().toLowerCase(Locale.ROOT) + " buffer needs " + bytes
              + " bytes, but buffer " + index + " holds " + holds);
        }
      }
      // A dictionary-encoded column holds indices; its values' children are the dictionary's.
      List<Field> children = dictionary == null ? field.getChildren() : List.of();
      long childValues = type instanceof ArrowType.FixedSizeList list ? node.length() * list.getListSize()
          : type instanceof ArrowType.Struct ? node.length() : 0;
      int firstChildNode = nextNode;
      for (Field child : children) {
        check(child, path + "." + child.getName(), childValues);
      }
      boolean sizedByOffsets = type instanceof ArrowType.List || type instanceof ArrowType.LargeList
          || type instanceof ArrowType.Map;
      if (sizedByOffsets && !compressed && node.length() > 0 && children.size() == 1) {
        int width = type instanceof ArrowType.LargeList ? 8 : 4;
        long values = batch.nodes(new FieldNode(), firstChildNode).length();
        lastOffsets.add(new LastOffset(path, offsetsStart + node.length() * width, width, values));
      }
    }

    /** Refuses nodes, buffers or variadic counts left over, as Arrow's loader would once it had loaded them. */
    void checkAllTaken() {
      if (nextNode < batch.nodesLength() || nextBuffer < batch.buffersLength()
          || nextVariadicCount < batch.variadicBufferCountsLength()) {
        throw corrupt(where, "has " + batch.nodesLength() + " field nodes, " + batch.buffersLength() + " buffers and "
            + batch.variadicBufferCountsLength() + " variadic buffer counts where its schema takes " + nextNode + ", "
            + nextBuffer + " and " + nextVariadicCount);
      }
    }

    /** How many data buffers a view column adds, as Arrow's loader reads them. */
    private long variadicCount() {
      if (nextVariadicCount >= batch.variadicBufferCountsLength()) {
        throw corrupt(where, "has " + batch.variadicBufferCountsLength() + " variadic buffer counts, too few "
            + "for its schema");
      }
      return batch.variadicBufferCounts(nextVariadicCount++);
    }

    /**
     * The bytes a buffer must hold for the node's values, or 0 where they depend on the data. A
     * dense union's offsets are one per value, a list's one more than its values.
     */
    private static long bytesNeeded(BufferLayout buffer, boolean fixedWidth, boolean union, FieldNode node,
        long holds) {
      long values = node.length();
      if (buffer.getType() == BufferType.VALIDITY) {
        // Arrow makes its own bitmap in place of an empty one when no value, or every value, is null.
        boolean own = holds == 0 && (node.nullCount() == 0 || node.nullCount() == values);
        return own ? 0 : (values + 7) / 8;
      }
      if (buffer.getType() == BufferType.DATA && fixedWidth) {
        return (values * buffer.getTypeBitWidth() + 7) / 8;
      }
      if (buffer.getType() == BufferType.TYPE) {
        return values; // one int8 type id per value (the layout says 32 bits, the format 8)
      }
      if (buffer.getType() == BufferType.VIEWS || buffer.getType() == BufferType.OFFSET && union) {
        return values * (buffer.getTypeBitWidth() / 8); // a view, or a dense union's offset, per value
      }
      if (buffer.getType() == BufferType.OFFSET) {
        // One offset more than values; writers may leave the buffer empty when there are none.
        return values == 0 ? 0 : (values + 1) * buffer.getTypeBitWidth() / 8;
      }
      return 0;
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
