package io.solstice.kafka.internal;

import io.solstice.kafka.RowColumn;
import io.solstice.kafka.RowMapper;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Each record is one row, decoded by a {@link RowMapper}; integer columns reject values that
 * are not whole numbers in range, and float32 columns values beyond float32's range, so a bad
 * record is caught here and not as a silently wrong (or infinite) tensor later.
 *
 * <p>Thread safety: as thread-safe as its RowMapper; it keeps no state of its own.
 */
public final class RowRecordDecoder implements RecordDecoder {
  private final List<RowColumn> columns;
  private final RowMapper mapper;

  /**
   * Creates the decoder.
   *
   * @param columns the columns, in row order
   * @param mapper fills a row from a record
   */
  public RowRecordDecoder(List<RowColumn> columns, RowMapper mapper) {
    this.columns = List.copyOf(columns);
    this.mapper = mapper;
  }

  @Override
  public boolean rowWise() {
    return true;
  }

  @Override
  public List<RowColumn> columns() {
    return columns;
  }

  @Override
  public void decodeRow(ConsumerRecord<byte[], byte[]> record, double[] row) throws Exception {
    mapper.map(record, row);
    for (int i = 0; i < columns.size(); i++) {
      RowColumn c = columns.get(i);
      double v = row[i];
      switch (c.type()) {
        case INT32 -> checkWhole(c, v, Integer.MIN_VALUE, Integer.MAX_VALUE);
        case INT64 -> checkWhole(c, v, Long.MIN_VALUE, Long.MAX_VALUE);
        case FLOAT32 -> checkFloat(c, v);
        default -> { }
      }
    }
  }

  private static void checkWhole(RowColumn c, double v, double min, double max) {
    if (v != Math.rint(v) || v < min || v > max) {
      throw new IllegalArgumentException(
          "column \"" + c.name() + "\" is " + c.type() + " but the record holds " + v);
    }
  }

  // A finite double beyond float32's range would become an infinity in the batch.
  private static void checkFloat(RowColumn c, double v) {
    if (Double.isFinite(v) && Math.abs(v) > Float.MAX_VALUE) {
      throw new IllegalArgumentException(
          "column \"" + c.name() + "\" is FLOAT32 but the record holds " + v + ", beyond its range");
    }
  }

  @Override
  public VectorSchemaRoot decodeBatch(ConsumerRecord<byte[], byte[]> record, BufferAllocator allocator) {
    throw new UnsupportedOperationException("row records are gathered, not decoded as batches");
  }
}
