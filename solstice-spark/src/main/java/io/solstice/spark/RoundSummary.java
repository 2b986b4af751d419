package io.solstice.spark;

import java.time.Duration;

/**
 * What one round did, as seen by the driver.
 *
 * <p>Thread safety: immutable (a record) holding metrics, which are immutable for Solstice's
 * metric types; safe to share.
 *
 * @param round the round number, from 0
 * @param examples the rows trained on, summed over partitions
 * @param contributingPartitions partitions that had data this round
 * @param metrics the train metrics merged across partitions, or null when no partition had data
 * @param duration the round's wall time on the driver (broadcast, tasks, aggregation, averaging)
 * @param <M> the metrics type
 */
public record RoundSummary<M>(
    int round, long examples, int contributingPartitions, M metrics, Duration duration) {}
