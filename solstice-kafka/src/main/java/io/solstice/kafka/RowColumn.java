package io.solstice.kafka;

import java.util.Objects;

/**
 * One column of the Arrow batches that plain (non-Arrow) records are gathered into.
 *
 * <p>Thread safety: immutable (a record); safe to share.
 *
 * @param name the column name
 * @param type the Arrow type of the column
 */
public record RowColumn(String name, Type type) {

  /** The column types a row can hold. Every value travels as a {@code double} from decoding. */
  public enum Type {
    /** Arrow FloatingPoint(SINGLE). */
    FLOAT32,
    /** Arrow FloatingPoint(DOUBLE). */
    FLOAT64,
    /** Arrow Int(32, signed); values must be whole numbers. */
    INT32,
    /** Arrow Int(64, signed); values must be whole numbers. */
    INT64
  }

  /** Validates the name. */
  public RowColumn {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a column name is blank");
    }
  }

  /**
   * A FLOAT32 column.
   *
   * @param name the column name
   * @return the column
   */
  public static RowColumn float32(String name) {
    return new RowColumn(name, Type.FLOAT32);
  }

  /**
   * A FLOAT64 column.
   *
   * @param name the column name
   * @return the column
   */
  public static RowColumn float64(String name) {
    return new RowColumn(name, Type.FLOAT64);
  }

  /**
   * An INT32 column.
   *
   * @param name the column name
   * @return the column
   */
  public static RowColumn int32(String name) {
    return new RowColumn(name, Type.INT32);
  }

  /**
   * An INT64 column.
   *
   * @param name the column name
   * @return the column
   */
  public static RowColumn int64(String name) {
    return new RowColumn(name, Type.INT64);
  }
}
