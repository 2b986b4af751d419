package io.solstice.kafka.internal;

import io.solstice.kafka.RowColumn;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * The rows of one partition waiting to become a batch: full at {@code maxRows}, or due
 * {@code lingerNanos} after its first row. Rows stay on the heap until the batch is built, so
 * a partition revoked mid-gather drops them without touching Arrow memory.
 *
 * <p>Thread safety: not thread-safe; only the poll thread touches it.
 */
public final class RowGatherer {
  private final List<RowColumn> columns;
  private final int maxRows;
  private final long lingerNanos;
  private final double[] values;
  private int rows;
  private long firstOffset = -1;
  private long lastOffset = -1;
  private long firstRowNanos;

  /**
   * Creates an empty gatherer.
   *
   * @param columns the columns
   * @param maxRows rows per full batch
   * @param lingerNanos how long the first row may wait for the batch to fill
   */
  public RowGatherer(List<RowColumn> columns, int maxRows, long lingerNanos) {
    this.columns = columns;
    this.maxRows = maxRows;
    this.lingerNanos = lingerNanos;
    this.values = new double[maxRows * columns.size()];
  }

  /**
   * Adds a decoded row.
   *
   * @param row the values, one per column
   * @param offset the record's offset
   * @param nowNanos the current {@link System#nanoTime()}
   */
  public void add(double[] row, long offset, long nowNanos) {
    if (rows == 0) {
      firstOffset = offset;
      firstRowNanos = nowNanos;
    }
    System.arraycopy(row, 0, values, rows * columns.size(), columns.size());
    lastOffset = offset;
    rows++;
  }

  /**
   * The number of rows held.
   *
   * @return rows
   */
  public int rows() {
    return rows;
  }

  /**
   * Whether the batch is full.
   *
   * @return true at {@code maxRows} rows
   */
  public boolean isFull() {
    return rows >= maxRows;
  }

  /**
   * Nanoseconds until the linger time of the first row runs out (0 when due, {@link
   * Long#MAX_VALUE} when empty).
   *
   * @param nowNanos the current {@link System#nanoTime()}
   * @return the wait left
   */
  public long nanosUntilDue(long nowNanos) {
    if (rows == 0) {
      return Long.MAX_VALUE;
    }
    return Math.max(0, firstRowNanos + lingerNanos - nowNanos);
  }

  /**
   * The offset of the first row held.
   *
   * @return the offset, -1 when empty
   */
  public long firstOffset() {
    return firstOffset;
  }

  /**
   * The offset of the last row held.
   *
   * @return the offset, -1 when empty
   */
  public long lastOffset() {
    return lastOffset;
  }

  /** Forgets the rows held. */
  public void clear() {
    rows = 0;
    firstOffset = -1;
    lastOffset = -1;
  }

  /**
   * Builds a batch of the rows held (and forgets them).
   *
   * @param allocator where the batch's buffers go
   * @return a root the caller owns
   */
  public VectorSchemaRoot build(BufferAllocator allocator) {
    int width = columns.size();
    List<FieldVector> vectors = new ArrayList<>(width);
    try {
      for (int c = 0; c < width; c++) {
        RowColumn column = columns.get(c);
        FieldVector v = switch (column.type()) {
          case FLOAT32 -> fillFloat4(new Float4Vector(column.name(), allocator), c, width);
          case FLOAT64 -> fillFloat8(new Float8Vector(column.name(), allocator), c, width);
          case INT32 -> fillInt(new IntVector(column.name(), allocator), c, width);
          case INT64 -> fillBigInt(new BigIntVector(column.name(), allocator), c, width);
        };
        vectors.add(v);
      }
    } catch (RuntimeException e) {
      vectors.forEach(FieldVector::close);
      throw e;
    }
    VectorSchemaRoot root = new VectorSchemaRoot(vectors);
    root.setRowCount(rows);
    clear();
    return root;
  }

  private Float4Vector fillFloat4(Float4Vector v, int c, int width) {
    v.allocateNew(rows);
    for (int r = 0; r < rows; r++) {
      v.set(r, (float) values[r * width + c]);
    }
    v.setValueCount(rows);
    return v;
  }

  private Float8Vector fillFloat8(Float8Vector v, int c, int width) {
    v.allocateNew(rows);
    for (int r = 0; r < rows; r++) {
      v.set(r, values[r * width + c]);
    }
    v.setValueCount(rows);
    return v;
  }

  private IntVector fillInt(IntVector v, int c, int width) {
    v.allocateNew(rows);
    for (int r = 0; r < rows; r++) {
      v.set(r, (int) values[r * width + c]);
    }
    v.setValueCount(rows);
    return v;
  }

  private BigIntVector fillBigInt(BigIntVector v, int c, int width) {
    v.allocateNew(rows);
    for (int r = 0; r < rows; r++) {
      v.set(r, (long) values[r * width + c]);
    }
    v.setValueCount(rows);
    return v;
  }
}
