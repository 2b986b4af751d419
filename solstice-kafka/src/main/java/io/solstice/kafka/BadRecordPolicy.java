package io.solstice.kafka;

import java.util.Objects;
import java.util.Optional;

/**
 * What the source does with a record it cannot decode: {@linkplain #fail() fail} the stream
 * with a {@link BadRecordException} (the default), or {@linkplain #skipTo(String) skip} it
 * after copying it to a dead-letter topic.
 *
 * <p>Thread safety: immutable and thread-safe.
 */
public final class BadRecordPolicy {
  private static final BadRecordPolicy FAIL = new BadRecordPolicy(null);

  private final String deadLetterTopic;

  private BadRecordPolicy(String deadLetterTopic) {
    this.deadLetterTopic = deadLetterTopic;
  }

  /**
   * Ends the stream with a {@link BadRecordException} naming the topic, partition and offset.
   * Records before the bad one that were trained on stay committed; the bad one is not, so a
   * restart meets it again.
   *
   * @return the policy
   */
  public static BadRecordPolicy fail() {
    return FAIL;
  }

  /**
   * Copies each bad record (key, value and headers) to {@code deadLetterTopic}, with headers
   * {@code solstice.error}, {@code solstice.topic}, {@code solstice.partition} and {@code
   * solstice.offset}, waits until the broker acknowledged the copy, counts it, and goes on. The
   * record counts as handled: its offset is committed like a trained one.
   *
   * @param deadLetterTopic the topic to copy bad records to (on the same cluster)
   * @return the policy
   */
  public static BadRecordPolicy skipTo(String deadLetterTopic) {
    Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
    if (deadLetterTopic.isBlank()) {
      throw new IllegalArgumentException("the dead-letter topic name is blank");
    }
    return new BadRecordPolicy(deadLetterTopic);
  }

  /**
   * The dead-letter topic, when bad records are skipped.
   *
   * @return the topic, or empty for {@link #fail()}
   */
  public Optional<String> deadLetterTopic() {
    return Optional.ofNullable(deadLetterTopic);
  }

  @Override
  public String toString() {
    return deadLetterTopic == null ? "BadRecordPolicy.fail()" : "BadRecordPolicy.skipTo(" + deadLetterTopic + ")";
  }
}
