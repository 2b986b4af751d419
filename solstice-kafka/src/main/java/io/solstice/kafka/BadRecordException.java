package io.solstice.kafka;

/**
 * A Kafka record that the source could not decode into Arrow rows or batches. It names where
 * the record lives, so it can be inspected with any Kafka tool ({@code kafka-console-consumer
 * --partition P --offset O}).
 *
 * <p>Thread safety: like any exception, safe to hand to another thread once thrown; it holds
 * only its message and cause.
 */
public final class BadRecordException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String topic;
  private final int partition;
  private final long offset;

  /**
   * Creates the error for one record.
   *
   * @param topic the record's topic
   * @param partition the record's partition
   * @param offset the record's offset
   * @param cause why the record could not be decoded
   */
  public BadRecordException(String topic, int partition, long offset, Throwable cause) {
    super("cannot decode the Kafka record at topic " + topic + ", partition " + partition
        + ", offset " + offset + ": " + cause.getMessage()
        + ". Fix the producer, or choose BadRecordPolicy.skipTo(deadLetterTopic) to set such"
        + " records aside", cause);
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
  }

  /**
   * The topic of the bad record.
   *
   * @return the topic
   */
  public String topic() {
    return topic;
  }

  /**
   * The partition of the bad record.
   *
   * @return the partition
   */
  public int partition() {
    return partition;
  }

  /**
   * The offset of the bad record.
   *
   * @return the offset
   */
  public long offset() {
    return offset;
  }
}
