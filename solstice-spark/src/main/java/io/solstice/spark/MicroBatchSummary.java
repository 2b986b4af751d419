package io.solstice.spark;

import java.time.Duration;

/**
 * What one micro-batch of a {@link StreamingRun} did, joined with Spark's progress report of
 * the same batch: how much was trained, how well the model predicted the batch before training
 * on it, and how far the query is behind the topic.
 *
 * <p>Thread safety: immutable (a record) holding metrics, which are immutable for Solstice's
 * metric types; safe to share.
 *
 * @param batchId Spark's micro-batch id
 * @param skipped true when the batch had already been applied before a restart (its state was
 *     written but Spark had not committed the batch): nothing was trained again
 * @param records the rows trained on
 * @param rounds the rounds the batch took
 * @param metrics the train metrics merged over the batch's rounds and partitions, or null when
 *     nothing was trained
 * @param prequential every row evaluated before it was trained on, merged over the batch, or
 *     null when nothing was trained
 * @param trainingTime the batch's wall time in the trainer (rounds and the state's write)
 * @param lag records that were waiting in the topic when Spark planned this batch and that it
 *     left for later batches (the sum over partitions of latest offset minus this batch's end
 *     offset), or -1 when the source does not report its latest offsets or Spark never reported
 *     the batch (applied while the query stopped or failed)
 * @param startOffsets where the batch started, in the source's JSON form (Kafka: {@code
 *     {"topic":{"0":120}}}); null for a query's first micro-batch, which starts at the source's
 *     starting offsets, and for a batch Spark never reported
 * @param endOffsets where it ended (exclusive), in the same form; null for a batch Spark never
 *     reported
 * @param inputRowsPerSecond Spark's ingest rate for this batch (0 when Spark never reported it)
 * @param processedRowsPerSecond Spark's processing rate for this batch (0 when Spark never
 *     reported it)
 * @param <M> the metrics type
 */
public record MicroBatchSummary<M>(
    long batchId, boolean skipped, long records, int rounds, M metrics, M prequential,
    Duration trainingTime, long lag, String startOffsets, String endOffsets,
    double inputRowsPerSecond, double processedRowsPerSecond) {}
