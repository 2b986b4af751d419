package io.solstice.spark.internal;

import java.io.Serializable;

/**
 * What one partition sends back after a round: its examples (the averaging weight), its state
 * after the local steps, its encoded metrics, and where its next round starts.
 *
 * <p>Thread safety: immutable (a record of encoded values); safe to share.
 *
 * @param partition the partition index
 * @param examples the rows it trained on this round; 0 for an empty partition
 * @param steps the local steps it ran
 * @param state its state after the steps, or null when it had no data
 * @param metrics its encoded merged metrics, or null when it had no data
 * @param nextFragment the file index its next round starts in
 * @param nextBatch the batch index its next round starts at
 * @param prequential its batches' evaluations before training on them, merged and encoded;
 *     null unless the round's plan asks for them or when it had no data
 * @param exhausted whether its shard has no batch at or after the next position (always false
 *     for a plan that wraps around)
 */
public record PartitionResult(
    int partition, long examples, long steps, EncodedState state, Serializable metrics,
    long nextFragment, long nextBatch, Serializable prequential, boolean exhausted)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * The result of a partition with no data (left): weight 0, position unchanged.
   *
   * @param partition the partition index
   * @param fragment its position's file index
   * @param batch its position's batch index
   * @param exhausted whether its shard is used up (a one-pass plan past the shard's end)
   * @return the result
   */
  public static PartitionResult empty(int partition, long fragment, long batch, boolean exhausted) {
    return new PartitionResult(partition, 0, 0, null, null, fragment, batch, null, exhausted);
  }
}
