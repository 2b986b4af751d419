package io.solstice.spark.internal;

import java.io.Serializable;
import java.util.Iterator;
import org.apache.arrow.memory.BufferAllocator;

/**
 * Opens the data of one partition on an executor: the partition's elements (file paths or
 * Spark rows) become an {@link OpenShard} of Arrow batches.
 *
 * <p>Thread safety: Spark gives each task its own deserialized copy; the built-in openers keep
 * no mutable state.
 *
 * @param <T> the RDD element type
 */
public interface ShardOpener<T> extends Serializable {

  /**
   * Opens a partition.
   *
   * @param elements the partition's elements
   * @param allocator the task's allocator
   * @return the shard
   */
  OpenShard open(Iterator<T> elements, BufferAllocator allocator);
}
