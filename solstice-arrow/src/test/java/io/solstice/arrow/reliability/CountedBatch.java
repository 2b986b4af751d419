package io.solstice.arrow.reliability;

import io.solstice.core.TensorBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A tensor batch that reports every close to a {@link CloseLedger} and then closes the batch
 * it wraps (an {@code ArrowTensorBatch}, whose Arrow buffers the allocator accounts for).
 */
record CountedBatch(long id, TensorBatch inner, CloseLedger ledger) implements TensorBatch {

  @Override
  public INDArray features() {
    return inner.features();
  }

  @Override
  public INDArray labels() {
    return inner.labels();
  }

  @Override
  public void close() {
    ledger.closed(id);
    inner.close();
  }
}
