package io.solstice.spark.internal;

import io.solstice.core.TensorBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A tensor batch that knows where it came from in its partition's shard, so that the next
 * round of that partition continues after it.
 *
 * <p>Thread safety: the record itself is immutable; the batch it holds belongs to one consumer
 * at a time.
 *
 * @param tensors the tensors (owning the Arrow batch)
 * @param fragment the file index in the partition
 * @param batch the batch index within the file
 */
public record PositionedBatch(TensorBatch tensors, long fragment, long batch)
    implements TensorBatch {

  @Override
  public INDArray features() {
    return tensors.features();
  }

  @Override
  public INDArray labels() {
    return tensors.labels();
  }

  @Override
  public long rows() {
    return tensors.rows();
  }

  @Override
  public void close() {
    tensors.close();
  }
}
