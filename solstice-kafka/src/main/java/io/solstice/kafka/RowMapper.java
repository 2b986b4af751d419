package io.solstice.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns one Kafka record into one row of values, in the order of the format's columns. Any
 * exception it throws makes the record a bad record, handled by the {@link BadRecordPolicy}.
 *
 * <p>Thread safety: a source calls its mapper on its one poll thread; a mapper shared by
 * several sources is called from several threads and must then be thread-safe.
 */
@FunctionalInterface
public interface RowMapper {

  /**
   * Fills {@code row} from the record.
   *
   * @param record the record (raw bytes)
   * @param row the row to fill, one slot per column, in column order
   * @throws Exception when the record cannot be decoded
   */
  void map(ConsumerRecord<byte[], byte[]> record, double[] row) throws Exception;
}
