package io.solstice.arrow.internal;

import io.solstice.arrow.ColumnTypeException;
import io.solstice.arrow.CorruptIpcException;
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
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * String and binary view columns ({@code Utf8View}, {@code BinaryView}: how Polars writes strings
 * by default), read as the plain types {@code Utf8} and {@code Binary}. Arrow Java 18.3 cannot
 * validate a view column ({@code ValueVectorUtility.validate} throws), so this checks each one
 * itself before a value is read: the view buffer holds a view per value, and every view that
 * points into a data buffer lies inside it. The batches a source emits then hold the plain type,
 * which every reader of strings understands.
 *
 * <p>A view type anywhere else (inside a struct or a list, as a dictionary's values, or a list
 * view) is refused by name, as before.
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
final class ViewColumns {
  private ViewColumns() {}

  /**
   * Refuses the view columns this cannot read: all but top-level string and binary views.
   *
   * @param fields the schema's top-level fields
   * @param source the source's name, for messages
   */
  static void refuseUnreadable(List<Field> fields, String source) {
    for (Field field : fields) {
      boolean stringView = isStringView(field.getType());
      if (stringView && field.getDictionary() == null) {
        continue;
      }
      refuse(field, field.getName(), source, stringView ? "dictionary-encoded" : null);
    }
  }

  private static void refuse(Field field, String name, String source, String where) {
    switch (field.getType().getTypeID()) {
      case Utf8View, BinaryView, ListView, LargeListView -> throw new ColumnTypeException(name,
          source + ": column '" + name + "' is " + field.getType() + ", a view type"
              + (where == null ? "" : " " + where) + ", which Arrow Java cannot validate, so it is not read; "
              + "string and binary views are read as top-level columns only. Write it as a plain type (Utf8, "
              + "Binary, List: pyarrow casts to pa.string(), Polars writes with "
              + "compat_level=CompatLevel.oldest())");
      default -> field.getChildren().forEach(child -> refuse(child, name + "." + child.getName(), source,
          "inside another column"));
    }
  }

  private static boolean isStringView(ArrowType type) {
    return type instanceof ArrowType.Utf8View || type instanceof ArrowType.BinaryView;
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
   * The rows {@code [from, from + length)} of a validated view column as a new column of the
   * plain type, in {@code allocator}: {@code Utf8} for {@code Utf8View}, {@code Binary} for {@code
   * BinaryView}, with the field's name, nullability and metadata.
   *
   * @param column a column {@link #validate} accepted
   * @param from the first row
   * @param length the rows
   * @param allocator where the new column's buffers go
   * @return the new column, owned by the caller
   */
  static FieldVector plain(BaseVariableWidthViewVector column, int from, int length, BufferAllocator allocator) {
    Field field = column.getField();
    boolean strings = field.getType() instanceof ArrowType.Utf8View;
    Field plainField = new Field(field.getName(), new FieldType(field.isNullable(),
        strings ? ArrowType.Utf8.INSTANCE : ArrowType.Binary.INSTANCE, null, field.getMetadata()), null);
    long bytes = 0;
    for (int row = from; row < from + length; row++) {
      bytes += column.isNull(row) ? 0 : column.getValueLength(row);
    }
    BaseVariableWidthVector out = strings ? new VarCharVector(plainField, allocator)
        : new VarBinaryVector(plainField, allocator);
    try {
      out.allocateNew(Math.max(bytes, 1), Math.max(length, 1));
      for (int i = 0; i < length; i++) {
        if (column.isNull(from + i)) {
          out.setNull(i);
        } else {
          out.set(i, column instanceof ViewVarCharVector text ? text.get(from + i)
              : ((ViewVarBinaryVector) column).get(from + i));
        }
      }
      out.setValueCount(length);
      return out;
    } catch (RuntimeException | Error e) {
      out.close();
      throw e;
    }
  }
}
