package io.solstice.spark.internal;

import io.solstice.arrow.ArrowBatch;

/**
 * An owned Arrow batch and its position in its partition's shard: fragment (file) index and
 * batch index within the fragment. Whoever receives it closes {@link #arrow()}.
 *
 * <p>Thread safety: the record itself is immutable; the Arrow batch it holds belongs to one
 * consumer at a time.
 *
 * @param fragment the file index in the partition (0 for rows)
 * @param batch the batch index within the fragment
 * @param arrow the batch
 */
public record ShardBatch(long fragment, long batch, ArrowBatch arrow) {}
