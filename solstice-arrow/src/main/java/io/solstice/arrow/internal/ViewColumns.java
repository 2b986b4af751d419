package io.solstice.arrow.internal;

import io.solstice.arrow.ColumnTypeException;
import io.solstice.arrow.CorruptIpcException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BaseVariableWidthViewVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.ViewVarBinaryVector;
import org.apache.arrow.vector.ViewVarCharVector;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.util.TransferPair;

/**
 * String and binary views ({@code Utf8View}, {@code BinaryView}: how Polars writes strings by
 * default, in a column of their own or inside a list, struct or map, as a {@code list[str]} column),
 * read as the plain types {@code Utf8} and {@code Binary}. Arrow Java 18.3 cannot validate a
 * view ({@code ValueVectorUtility.validate} throws), so this checks each one itself before a
 * value is read: the view buffer holds a view per value, and every view that points into a data
 * buffer lies inside it. A column that holds a view is copied with the plain type in its place
 * ({@link #plainCopy}), and the copy is validated as any other column; the batches a source emits
 * hold the copy, which every reader of strings understands.
 *
 * <p>A view that is a dictionary's values or inside a union, and a list view, are refused by
 * name.
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
final class ViewColumns {
  private ViewColumns() {}

  /**
   * Refuses the views this cannot read: list views, and string or binary views that are a
   * dictionary's values or inside a union.
   *
   * @param fields the schema's top-level fields
   * @param source the source's name, for messages
   */
  static void refuseUnreadable(List<Field> fields, String source) {
    for (Field field : fields) {
      refuse(field, field.getName(), source, false);
    }
  }

  private static void refuse(Field field, String name, String source, boolean inUnion) {
    ArrowType type = field.getType();
    String why = type instanceof ArrowType.ListView || type instanceof ArrowType.LargeListView ? "a list view"
        : !isStringView(type) ? null
        : field.getDictionary() != null ? "a dictionary-encoded view"
        : inUnion ? "a view inside a union"
        : null;
    if (why != null) {
      throw new ColumnTypeException(name, source + ": column '" + name + "' is " + type + ", " + why
          + ", which Arrow Java cannot validate, so it is not read; string and binary views are read in columns of "
          + "their own and inside lists, structs and maps. Write it as a plain type (Utf8, Binary, List: pyarrow "
          + "casts to pa.string(), Polars writes with compat_level=CompatLevel.oldest())");
    }
    boolean union = inUnion || type instanceof ArrowType.Union;
    field.getChildren().forEach(child -> refuse(child, name + "." + child.getName(), source, union));
  }

  private static boolean isStringView(ArrowType type) {
    return type instanceof ArrowType.Utf8View || type instanceof ArrowType.BinaryView;
  }

  /**
   * Whether a column is a string or binary view, or holds one among its children.
   *
   * @param field the column
   * @return true when it holds a view
   */
  static boolean holdsView(Field field) {
    return isStringView(field.getType()) || field.getChildren().stream().anyMatch(ViewColumns::holdsView);
  }

  /**
   * A copy of a column that {@link #holdsView holds a view}, every view of it checked ({@link
   * #validate}) and read as the plain type, in {@code allocator}; the rest of the copy (a list's
   * offsets, into its now plain values) is for the caller to validate, as any other column.
   * Children without a view share the column's buffers, by reference count.
   *
   * @param column a column of a loaded batch
   * @param allocator where the copy's buffers go
   * @param source the source and position, for messages
   * @return the copy, owned by the caller
   * @throws CorruptIpcException when a view points outside its data
   */
  static FieldVector plainCopy(FieldVector column, BufferAllocator allocator, String source) {
    if (column instanceof BaseVariableWidthViewVector view) {
      validate(view, source);
      return plain(view, allocator);
    }
    if (!holdsView(column.getField())) {
      TransferPair shared = column.getTransferPair(allocator);
      shared.splitAndTransfer(0, column.getValueCount());
      return (FieldVector) shared.getTo();
    }
    // A list, struct or map: its own buffers (validity, offsets) copied as they are, its children
    // copied by this method.
    FieldVector copy = plainField(column.getField()).createVector(allocator);
    try {
      List<ArrowBuf> own = new ArrayList<>();
      try {
        for (ArrowBuf buffer : column.getFieldBuffers()) {
          ArrowBuf copied = allocator.buffer(buffer.capacity());
          copied.setBytes(0, buffer, 0, buffer.capacity());
          own.add(copied);
        }
        copy.loadFieldBuffers(new ArrowFieldNode(column.getValueCount(), column.getNullCount()), own);
      } finally {
        own.forEach(ArrowBuf::close);
      }
      List<FieldVector> children = column.getChildrenFromFields();
      List<FieldVector> copiedChildren = copy.getChildrenFromFields();
      for (int i = 0; i < children.size(); i++) {
        try (FieldVector child = plainCopy(children.get(i), allocator, source)) {
          child.makeTransferPair(copiedChildren.get(i)).transfer();
        }
      }
      return copy;
    } catch (RuntimeException | Error e) {
      copy.close();
      throw e;
    }
  }

  /** The field with each string or binary view in it made the plain type. */
  private static Field plainField(Field field) {
    ArrowType type = field.getType() instanceof ArrowType.Utf8View ? ArrowType.Utf8.INSTANCE
        : field.getType() instanceof ArrowType.BinaryView ? ArrowType.Binary.INSTANCE : field.getType();
    return new Field(field.getName(), new FieldType(field.isNullable(), type, field.getDictionary(),
        field.getMetadata()), field.getChildren().stream().map(ViewColumns::plainField).toList());
  }

  /**
   * Checks a loaded view column: a 16-byte view per value, and each view of more than 12 bytes
   * (the longer values, kept out of line) naming a data buffer it lies inside.
   *
   * @param column the column
   * @param source the source and position, for messages
   * @throws CorruptIpcException when a view points outside the data
   */
  static void validate(BaseVariableWidthViewVector column, String source) {
    int values = column.getValueCount();
    ArrowBuf views = column.getDataBuffer();
    List<ArrowBuf> data = column.getDataBuffers();
    if (views.capacity() < (long) values * BaseVariableWidthViewVector.ELEMENT_SIZE) {
      throw corrupt(column, source, "holds " + values + " values but its view buffer has " + views.capacity()
          + " bytes");
    }
    for (int row = 0; row < values; row++) {
      if (column.isNull(row)) {
        continue;
      }
      long at = (long) row * BaseVariableWidthViewVector.ELEMENT_SIZE;
      int length = views.getInt(at);
      if (length < 0) {
        throw corrupt(column, source, "row " + row + " has length " + length);
      }
      if (length <= BaseVariableWidthViewVector.INLINE_SIZE) {
        continue;
      }
      int buffer = views.getInt(at + BaseVariableWidthViewVector.LENGTH_WIDTH
          + BaseVariableWidthViewVector.PREFIX_WIDTH);
      int offset = views.getInt(at + BaseVariableWidthViewVector.LENGTH_WIDTH
          + BaseVariableWidthViewVector.PREFIX_WIDTH + BaseVariableWidthViewVector.BUF_INDEX_WIDTH);
      if (buffer < 0 || buffer >= data.size() || offset < 0 || (long) offset + length > data.get(buffer).capacity()) {
        throw corrupt(column, source, "row " + row + " points at bytes [" + offset + ", " + offset + " + " + length
            + ") of data buffer " + buffer + ", outside the " + data.size() + " data buffer(s)");
      }
    }
  }

  private static CorruptIpcException corrupt(FieldVector column, String source, String what) {
    return new CorruptIpcException(column.getName(), source + ": view column '" + column.getName() + "' " + what
        + "; the input is corrupt");
  }

  /**
   * A validated view column as a new column of the plain type, in {@code allocator}: {@code Utf8}
   * for {@code Utf8View}, {@code Binary} for {@code BinaryView}, with the field's name,
   * nullability and metadata.
   *
   * @param column a column {@link #validate} accepted
   * @param allocator where the new column's buffers go
   * @return the new column, owned by the caller
   */
  private static FieldVector plain(BaseVariableWidthViewVector column, BufferAllocator allocator) {
    boolean strings = column.getField().getType() instanceof ArrowType.Utf8View;
    int values = column.getValueCount();
    long bytes = 0;
    for (int row = 0; row < values; row++) {
      bytes += column.isNull(row) ? 0 : column.getValueLength(row);
    }
    Field plainField = plainField(column.getField());
    BaseVariableWidthVector out = strings ? new VarCharVector(plainField, allocator)
        : new VarBinaryVector(plainField, allocator);
    try {
      out.allocateNew(Math.max(bytes, 1), Math.max(values, 1));
      for (int row = 0; row < values; row++) {
        if (column.isNull(row)) {
          out.setNull(row);
        } else {
          out.set(row, column instanceof ViewVarCharVector text ? text.get(row)
              : ((ViewVarBinaryVector) column).get(row));
        }
      }
      out.setValueCount(values);
      return out;
    } catch (RuntimeException | Error e) {
      out.close();
      throw e;
    }
  }

}
