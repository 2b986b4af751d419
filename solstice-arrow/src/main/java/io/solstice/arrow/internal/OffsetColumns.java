package io.solstice.arrow.internal;

import io.solstice.arrow.CorruptIpcException;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseLargeVariableWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.LargeListVector;
import org.apache.arrow.vector.complex.ListVector;

/**
 * Checks that the offsets of string, binary and list columns never fall, nested ones too. Arrow
 * Java's buffer validation checks only an offset buffer's size and its last offset, and its full
 * validation throws on every fixed-size list column; a falling offset in the middle then made a
 * read of the row throw an {@code IndexOutOfBoundsException} (a list's slice no longer held the
 * values its offsets named), found by flipping bytes of a stream of lists of strings.
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
final class OffsetColumns {
  private OffsetColumns() {}

  /**
   * Checks every column with offsets among these columns and their children, whose buffers'
   * sizes are already checked.
   *
   * @param columns a batch's columns
   * @param source the source and position, for messages
   * @throws CorruptIpcException at the first offset that falls, or the first one below 0
   */
  static void validate(List<FieldVector> columns, String source) {
    for (FieldVector column : columns) {
      validate(column, column.getName(), source);
    }
  }

  private static void validate(FieldVector column, String path, String source) {
    if (column instanceof BaseVariableWidthVector || column instanceof ListVector) {
      checkRising(column.getOffsetBuffer(), column.getValueCount(), false, path, source);
    } else if (column instanceof BaseLargeVariableWidthVector || column instanceof LargeListVector) {
      checkRising(column.getOffsetBuffer(), column.getValueCount(), true, path, source);
    }
    for (FieldVector child : column.getChildrenFromFields()) {
      validate(child, path + "." + child.getName(), source);
    }
  }

  private static void checkRising(ArrowBuf offsets, int values, boolean large, String path, String source) {
    if (values == 0) {
      return;
    }
    long previous = large ? offsets.getLong(0) : offsets.getInt(0);
    if (previous < 0) {
      throw corrupt(path, source, "has a first offset of " + previous + ": offsets start at 0 or more");
    }
    for (int i = 1; i <= values; i++) {
      long offset = large ? offsets.getLong((long) i * Long.BYTES) : offsets.getInt((long) i * Integer.BYTES);
      if (offset < previous) {
        throw corrupt(path, source, "has offset " + i + " = " + offset + " after offset " + (i - 1) + " = "
            + previous + ": offsets never fall");
      }
      previous = offset;
    }
  }

  private static CorruptIpcException corrupt(String path, String source, String what) {
    return new CorruptIpcException(path, source + ": column '" + path + "' " + what + "; the input is corrupt");
  }
}
