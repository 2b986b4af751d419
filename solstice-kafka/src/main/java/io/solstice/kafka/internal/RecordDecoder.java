package io.solstice.kafka.internal;

import io.solstice.kafka.RowColumn;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * How record values become Arrow data: either each record is a whole batch ({@link
 * #rowWise()} false), or each record is one row gathered with others into a batch.
 *
 * <p>Thread safety: a source calls its decoder on its one poll thread; the built-in decoders
 * keep no state of their own.
 */
public interface RecordDecoder {

  /**
   * Whether records are rows to gather (true) or whole batches (false).
   *
   * @return true for row-wise decoders
   */
  boolean rowWise();

  /**
   * The columns of a row-wise decoder.
   *
   * @return the columns; empty for batch-wise decoders
   */
  List<RowColumn> columns();

  /**
   * Decodes one row (row-wise decoders only).
   *
   * @param record the record
   * @param row the row to fill, one slot per column
   * @throws Exception when the record is bad
   */
  void decodeRow(ConsumerRecord<byte[], byte[]> record, double[] row) throws Exception;

  /**
   * Decodes one whole batch (batch-wise decoders only) into a root the caller owns.
   *
   * @param record the record
   * @param allocator where the batch's buffers go
   * @return the batch
   * @throws Exception when the record is bad; nothing stays allocated then
   */
  VectorSchemaRoot decodeBatch(ConsumerRecord<byte[], byte[]> record, BufferAllocator allocator) throws Exception;
}
