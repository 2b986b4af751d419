package io.solstice.arrow.internal;

import io.solstice.arrow.CorruptIpcException;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseLargeVariableWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.complex.DenseUnionVector;
import org.apache.arrow.vector.complex.LargeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.UnionVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.validate.ValidateVectorBufferVisitor;
import org.apache.arrow.vector.validate.ValidateVectorTypeVisitor;

/**
 * Validates a loaded batch's columns, their children too: Arrow Java's checks ({@code
 * ValueVectorUtility.validate}: each vector's class fits its type, and its buffers are large
 * enough), then what they leave alone. Arrow Java 18.3's type check refuses every map column (it
 * takes a map for a list of the wrong type), which made any file with a map column read as
 * corrupt, so a column that holds a map gets the buffer check alone. What Arrow Java leaves
 * alone:
 *
 * <ul>
 *   <li>The offsets of string, binary and list columns never fall. Arrow Java's buffer
 *       validation checks only an offset buffer's size and its last offset, and its full
 *       validation throws on every fixed-size list column; a falling offset in the middle made a
 *       read of the row throw an {@code IndexOutOfBoundsException} (a list's slice no longer held
 *       the values its offsets named), found by flipping bytes of a stream of lists of strings.
 *   <li>Every union row's type id is one the union declares, and a dense union's offset lies
 *       inside the child of that type. A type id outside them made a read of the row throw an
 *       {@code ArrayIndexOutOfBoundsException}, and one that names no child read the row as null;
 *       a dense offset outside its child read past the child's values.
 * </ul>
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
final class ColumnValues {
  private ColumnValues() {}

  /**
   * Validates these columns and their children.
   *
   * @param columns a batch's columns, none of them a view or holding one
   * @param source the source and position, for messages
   * @throws CorruptIpcException at the first value that breaks the rules
   * @throws org.apache.arrow.vector.validate.ValidateUtil.ValidateException when Arrow Java's
   *     checks fail (the reader reports it as corrupt data)
   */
  static void validate(List<FieldVector> columns, String source) {
    for (FieldVector column : columns) {
      if (!holdsMap(column.getField())) {
        column.accept(new ValidateVectorTypeVisitor(), null);
      }
      column.accept(new ValidateVectorBufferVisitor(), null);
    }
    for (FieldVector column : columns) {
      validate(column, column.getName(), source);
    }
  }

  private static boolean holdsMap(Field field) {
    return field.getType() instanceof ArrowType.Map || field.getChildren().stream().anyMatch(ColumnValues::holdsMap);
  }

  private static void validate(FieldVector column, String path, String source) {
    if (column instanceof BaseVariableWidthVector || column instanceof ListVector) {
      checkOffsetsRise(column.getOffsetBuffer(), column.getValueCount(), false, path, source);
    } else if (column instanceof BaseLargeVariableWidthVector || column instanceof LargeListVector) {
      checkOffsetsRise(column.getOffsetBuffer(), column.getValueCount(), true, path, source);
    } else if (column instanceof UnionVector || column instanceof DenseUnionVector) {
      checkUnionRows(column, path, source);
    }
    for (FieldVector child : column.getChildrenFromFields()) {
      validate(child, path + "." + child.getName(), source);
    }
  }

  private static void checkOffsetsRise(ArrowBuf offsets, int values, boolean large, String path, String source) {
    if (values == 0) {
      return;
    }
    long previous = large ? offsets.getLong(0) : offsets.getInt(0);
    if (previous < 0) {
      throw corrupt(path, source, "column", "has a first offset of " + previous + ": offsets start at 0 or more");
    }
    for (int i = 1; i <= values; i++) {
      long offset = large ? offsets.getLong((long) i * Long.BYTES) : offsets.getInt((long) i * Integer.BYTES);
      if (offset < previous) {
        throw corrupt(path, source, "column", "has offset " + i + " = " + offset + " after offset " + (i - 1) + " = "
            + previous + ": offsets never fall");
      }
      previous = offset;
    }
  }

  private static void checkUnionRows(FieldVector union, String path, String source) {
    ArrowType.Union type = (ArrowType.Union) union.getField().getType();
    int[] declared = type.getTypeIds() != null ? type.getTypeIds()
        : java.util.stream.IntStream.range(0, union.getField().getChildren().size()).toArray();
    DenseUnionVector dense = union instanceof DenseUnionVector d ? d : null;
    for (int row = 0; row < union.getValueCount(); row++) {
      byte id = dense != null ? dense.getTypeId(row) : (byte) ((UnionVector) union).getTypeValue(row);
      if (Arrays.stream(declared).noneMatch(declaredId -> declaredId == id)) {
        throw corrupt(path, source, "union column", "row " + row + " has type id " + id + ", which the union does not declare "
            + Arrays.toString(declared));
      }
      if (dense != null) {
        ValueVector child = dense.getVectorByType(id);
        int offset = dense.getOffset(row);
        if (child == null || offset < 0 || offset >= child.getValueCount()) {
          throw corrupt(path, source, "union column", "row " + row + " has offset " + offset + " into the child of type id " + id
              + ", which holds " + (child == null ? 0 : child.getValueCount()) + " values");
        }
      }
    }
  }

  private static CorruptIpcException corrupt(String path, String source, String kind, String what) {
    return new CorruptIpcException(path, source + ": " + kind + " '" + path + "' " + what + "; the input is corrupt");
  }
}
