package io.solstice.arrow.internal;

import io.solstice.arrow.CorruptIpcException;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.complex.DenseUnionVector;
import org.apache.arrow.vector.complex.UnionVector;
import org.apache.arrow.vector.types.pojo.ArrowType;

/**
 * Checks the values of union columns, which Arrow Java's validation leaves alone: every row's
 * type id must be one the union declares, and a dense union's offset must lie inside the child
 * of that type. A type id outside them made a read of the row throw an {@code
 * ArrayIndexOutOfBoundsException}, and one that names no child read the row as null; a dense
 * offset outside its child read past the child's values.
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
final class UnionColumns {
  private UnionColumns() {}

  /**
   * Checks every union column among these columns and their children.
   *
   * @param columns a batch's columns
   * @param source the source and position, for messages
   * @throws CorruptIpcException at the first row that breaks the rules
   */
  static void validate(List<FieldVector> columns, String source) {
    for (FieldVector column : columns) {
      validate(column, column.getName(), source);
    }
  }

  private static void validate(FieldVector column, String path, String source) {
    if (column instanceof UnionVector || column instanceof DenseUnionVector) {
      checkRows(column, path, source);
    }
    for (FieldVector child : column.getChildrenFromFields()) {
      validate(child, path + "." + child.getName(), source);
    }
  }

  private static void checkRows(FieldVector union, String path, String source) {
    ArrowType.Union type = (ArrowType.Union) union.getField().getType();
    int[] declared = type.getTypeIds() != null ? type.getTypeIds()
        : java.util.stream.IntStream.range(0, union.getField().getChildren().size()).toArray();
    DenseUnionVector dense = union instanceof DenseUnionVector d ? d : null;
    for (int row = 0; row < union.getValueCount(); row++) {
      byte id = dense != null ? dense.getTypeId(row) : (byte) ((UnionVector) union).getTypeValue(row);
      if (Arrays.stream(declared).noneMatch(declaredId -> declaredId == id)) {
        throw corrupt(path, source, "row " + row + " has type id " + id + ", which the union does not declare "
            + Arrays.toString(declared));
      }
      if (dense != null) {
        ValueVector child = dense.getVectorByType(id);
        int offset = dense.getOffset(row);
        if (child == null || offset < 0 || offset >= child.getValueCount()) {
          throw corrupt(path, source, "row " + row + " has offset " + offset + " into the child of type id " + id
              + ", which holds " + (child == null ? 0 : child.getValueCount()) + " values");
        }
      }
    }
  }

  private static CorruptIpcException corrupt(String path, String source, String what) {
    return new CorruptIpcException(path, source + ": union column '" + path + "' " + what + "; the input is corrupt");
  }
}
