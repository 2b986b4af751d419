package io.solstice.examples.job;

import io.solstice.arrow.ArrowTensorBatch;
import io.solstice.arrow.Split;
import reactor.core.publisher.Flux;

/** Opens one split of a data set as a cold source of tensor batches. */
@FunctionalInterface
public interface SplitSource {

  /**
   * The batches of a split; each subscription is one pass (an epoch).
   *
   * @param split which part
   * @param firstEpoch the epoch of the first subscription (a resumed run starts later), for
   *     sources whose train order changes every epoch
   * @return the batches, each owned by its receiver
   */
  Flux<ArrowTensorBatch> open(Split split, int firstEpoch);
}
