package io.solstice.spark.internal;

import java.io.Serializable;

/**
 * How each partition runs its share of a round.
 *
 * <p>Thread safety: immutable (a record); safe to share.
 *
 * @param steps K, the most local train steps per partition
 * @param wrapAround whether a shard shorter than K batches starts over (file training: every
 *     partition runs exactly K steps), or the round ends at the shard's end (stream training:
 *     every row is trained on once)
 * @param prequential whether each batch is evaluated before it is trained on, the evaluations
 *     merged into the partition's prequential metrics
 */
public record RoundPlan(long steps, boolean wrapAround, boolean prequential)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Exactly K steps, wrapping around the shard, without prequential evaluation: the rounds of
   * {@code SparkTrainer.fit}.
   *
   * @param steps K
   * @return the plan
   */
  public static RoundPlan repeating(long steps) {
    return new RoundPlan(steps, true, false);
  }

  /**
   * At most K steps from the partition's position, stopping at the end of its shard, each batch
   * evaluated before it is trained on: the rounds of a streamed micro-batch.
   *
   * @param steps K
   * @return the plan
   */
  public static RoundPlan onePassPrequential(long steps) {
    return new RoundPlan(steps, false, true);
  }
}
