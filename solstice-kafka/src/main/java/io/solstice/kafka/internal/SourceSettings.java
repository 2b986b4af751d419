package io.solstice.kafka.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;

/**
 * Everything a poll loop needs, fixed when the source is built.
 *
 * <p>Thread safety: immutable (a record of settings fixed when the source is built); safe to
 * share.
 *
 * @param consumerConfig the consumer's settings, completed by the source (no auto-commit,
 *     byte-array deserializers, {@code max.poll.records})
 * @param deadLetterConfig the dead-letter producer's settings, or null when bad records fail
 * @param topics the topics to subscribe to
 * @param decoder how records become Arrow data
 * @param batchRows rows per gathered batch
 * @param linger how long a gathered batch may wait to fill
 * @param maxInFlightRecords the bound on records fetched and not yet finished
 * @param maxPollRecords records one poll may return
 * @param deadLetterTopic where bad records go, or null to fail
 * @param acknowledgeOnClose whether closing a batch counts as training it
 * @param completeWhenIdle complete after this long without records, or null to run forever
 * @param pollTimeout the longest a single poll blocks
 * @param allocator the parent of each subscription's allocator
 */
public record SourceSettings(
    Map<String, Object> consumerConfig,
    Map<String, Object> deadLetterConfig,
    List<String> topics,
    RecordDecoder decoder,
    int batchRows,
    Duration linger,
    int maxInFlightRecords,
    int maxPollRecords,
    String deadLetterTopic,
    boolean acknowledgeOnClose,
    Duration completeWhenIdle,
    Duration pollTimeout,
    BufferAllocator allocator) {}
