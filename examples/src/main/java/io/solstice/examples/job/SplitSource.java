package io.solstice.examples.job;

import io.solstice.arrow.ArrowTensorBatch;
import org.apache.arrow.memory.BufferAllocator;
import reactor.core.publisher.Flux;

/** Opens one split of a data set as a cold source of tensor batches. */
@FunctionalInterface
public interface SplitSource {

  /**
   * The batches of a split; each subscription reads them again from the start.
   *
   * @param split which part
   * @param allocator the consumer's allocator
   * @return the batches, each owned by its receiver
   */
  Flux<ArrowTensorBatch> open(Split split, BufferAllocator allocator);
}
