package io.solstice.spark.internal;

import reactor.core.publisher.Flux;

/**
 * One partition's data, opened on an executor for one task. Can be read several times (a round
 * wraps around a short shard). Closing releases what opening allocated.
 *
 * <p>Thread safety: not thread-safe; one task thread reads and closes it.
 */
public interface OpenShard extends AutoCloseable {

  /**
   * The shard's batches from a position on.
   *
   * @param fragment the fragment (file) index to start in
   * @param batch the batch index within that fragment
   * @return a cold source of owned batches with their positions in the shard
   */
  Flux<ShardBatch> batches(long fragment, long batch);

  /** Releases the shard's memory. */
  @Override
  void close();
}
