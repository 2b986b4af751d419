package io.solstice.spark.internal;

import java.io.Serializable;
import java.util.Collection;
import java.util.TreeMap;

/**
 * The value {@code treeAggregate} builds: partition results keyed by partition index. Merging
 * maps is exact and independent of the order in which Spark's tasks finish, so the driver can
 * average in partition order and a round is bit-for-bit the same whatever the scheduling (and
 * after a retried task).
 *
 * <p>Thread safety: not thread-safe; Spark builds and merges each aggregate on one thread at a
 * time.
 */
public final class RoundAggregate implements Serializable {
  private static final long serialVersionUID = 1L;

  private final TreeMap<Integer, PartitionResult> results = new TreeMap<>();

  /**
   * Adds one partition's result (Spark's {@code seqOp}).
   *
   * @param result the result
   * @return this aggregate
   */
  public RoundAggregate add(PartitionResult result) {
    if (results.putIfAbsent(result.partition(), result) != null) {
      throw new IllegalStateException("two results for partition " + result.partition());
    }
    return this;
  }

  /**
   * Merges another aggregate into this one (Spark's {@code combOp}).
   *
   * @param other the other aggregate
   * @return this aggregate
   */
  public RoundAggregate merge(RoundAggregate other) {
    other.results.values().forEach(this::add);
    return this;
  }

  /**
   * The results in partition order.
   *
   * @return the results
   */
  public Collection<PartitionResult> inPartitionOrder() {
    return results.values();
  }
}
