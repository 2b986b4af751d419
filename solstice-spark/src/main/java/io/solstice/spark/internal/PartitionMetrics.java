package io.solstice.spark.internal;

import java.io.Serializable;

/**
 * One partition's encoded evaluation metrics.
 *
 * <p>Thread safety: immutable (a record); safe to share.
 *
 * @param partition the partition index
 * @param metrics the encoded metrics
 */
public record PartitionMetrics(int partition, Serializable metrics) implements Serializable {
  private static final long serialVersionUID = 1L;
}
