package io.solstice.core.checkpoint.internal;

import java.nio.ByteOrder;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The mapping between ND4J data types and numpy's array-protocol type strings ({@code <f4},
 * {@code <i8}, {@code |b1}, ...). Only types that both sides represent exactly, and that ND4J
 * 1.0.0-M2.1 reads back correctly, are listed (its UINT16/32/64 arrays return wrong values);
 * anything else is refused with a message naming the type.
 *
 * <p>Thread safety: an enum, safe to share.
 */
public enum NpyDType {
  /** 32-bit IEEE float. */
  FLOAT32(DataType.FLOAT, 'f', 4),
  /** 64-bit IEEE float. */
  FLOAT64(DataType.DOUBLE, 'f', 8),
  /** 16-bit IEEE float. */
  FLOAT16(DataType.HALF, 'f', 2),
  /** Signed 8-bit integer. */
  INT8(DataType.BYTE, 'i', 1),
  /** Signed 16-bit integer. */
  INT16(DataType.SHORT, 'i', 2),
  /** Signed 32-bit integer. */
  INT32(DataType.INT, 'i', 4),
  /** Signed 64-bit integer. */
  INT64(DataType.LONG, 'i', 8),
  /** Unsigned 8-bit integer. */
  UINT8(DataType.UBYTE, 'u', 1),
  /** Boolean, one byte per value. */
  BOOL(DataType.BOOL, 'b', 1);

  private final DataType nd4j;
  private final char kind;
  private final int size;

  NpyDType(DataType nd4j, char kind, int size) {
    this.nd4j = nd4j;
    this.kind = kind;
    this.size = size;
  }

  /**
   * The ND4J data type.
   *
   * @return the type
   */
  public DataType nd4j() {
    return nd4j;
  }

  /**
   * Bytes per element.
   *
   * @return the element size
   */
  public int size() {
    return size;
  }

  /**
   * The numpy type string for data in the given byte order, for example {@code <f4}.
   *
   * @param order the byte order of the data
   * @return the descr string
   */
  public String descr(ByteOrder order) {
    char endian = size == 1 ? '|' : order == ByteOrder.LITTLE_ENDIAN ? '<' : '>';
    return "" + endian + kind + size;
  }

  /**
   * The numpy type of an ND4J type.
   *
   * @param type the ND4J type
   * @return the numpy type
   * @throws IllegalArgumentException when numpy has no exact equivalent (BFLOAT16, UTF8, ...)
   */
  public static NpyDType of(DataType type) {
    for (NpyDType candidate : values()) {
      if (candidate.nd4j == type) {
        return candidate;
      }
    }
    throw new IllegalArgumentException(
        "data type " + type + " has no exact numpy equivalent; cast the array to FLOAT, DOUBLE,"
            + " INT or LONG before checkpointing it");
  }

  /**
   * Parses a numpy type string.
   *
   * @param descr the descr, for example {@code <f4} or {@code |u1}
   * @return the type and the byte order of the data
   * @throws IllegalArgumentException when the type is not supported
   */
  public static Parsed parse(String descr) {
    if (descr.length() < 3) {
      throw new IllegalArgumentException("unsupported numpy dtype '" + descr + "'");
    }
    char endian = descr.charAt(0);
    ByteOrder order =
        switch (endian) {
          case '<', '|' -> ByteOrder.LITTLE_ENDIAN;
          case '>' -> ByteOrder.BIG_ENDIAN;
          case '=' -> ByteOrder.nativeOrder();
          default -> throw new IllegalArgumentException("unsupported numpy dtype '" + descr + "'");
        };
    char kind = descr.charAt(1);
    int size;
    try {
      size = Integer.parseInt(descr.substring(2));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("unsupported numpy dtype '" + descr + "'", e);
    }
    for (NpyDType candidate : values()) {
      if (candidate.kind == kind && candidate.size == size) {
        return new Parsed(candidate, order);
      }
    }
    throw new IllegalArgumentException(
        "unsupported numpy dtype '" + descr + "' (supported: "
            + java.util.Arrays.toString(values()).toLowerCase(Locale.ROOT) + ")");
  }

  /**
   * A parsed numpy type string.
   *
   * @param type the element type
   * @param order the byte order of the stored data
   */
  public record Parsed(NpyDType type, ByteOrder order) {}
}
