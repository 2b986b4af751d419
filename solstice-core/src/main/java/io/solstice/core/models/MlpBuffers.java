package io.solstice.core.models;

import io.solstice.core.nd4j.HostMatrix;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The activation and gradient arrays of one batch size, allocated once and reused by every
 * step with that many rows, so that a step allocates no arrays after the first batch of each
 * size.
 */
final class MlpBuffers implements AutoCloseable {

  /** Rows these buffers hold. */
  final long rows;
  /** The features cast to the model's data type, when the batch's type differs. */
  final HostMatrix input;
  /** Per layer: its output (ReLU activations for hidden layers, logits then softmax last). */
  final HostMatrix[] activations;
  /** Per hidden layer: the loss gradient with respect to its pre-activation. */
  final HostMatrix[] deltas;
  /** Per hidden layer, when dropout is on: the keep mask. */
  final INDArray[] masks;
  /** The input of the last forward pass (the batch's features or {@link #input}). */
  HostMatrix source;
  /** A [1, rows] row of ones: bias gradients are ones * delta. */
  final HostMatrix ones;
  /** A [rows, 1] column for per-row factors of the output delta (class weights). */
  final INDArray rowScale;

  MlpBuffers(long rows, int[] sizes, DataType dataType, boolean dropout) {
    this.rows = rows;
    int layers = sizes.length - 1;
    this.input = HostMatrix.of(Nd4j.create(dataType, rows, sizes[0]));
    this.activations = new HostMatrix[layers];
    this.deltas = new HostMatrix[layers - 1];
    this.masks = new INDArray[dropout ? layers - 1 : 0];
    for (int l = 0; l < layers; l++) {
      activations[l] = HostMatrix.of(Nd4j.create(dataType, rows, sizes[l + 1]));
      if (l < layers - 1) {
        deltas[l] = HostMatrix.of(Nd4j.create(dataType, rows, sizes[l + 1]));
        if (dropout) {
          masks[l] = Nd4j.create(dataType, rows, sizes[l + 1]);
        }
      }
    }
    this.ones = HostMatrix.of(Nd4j.ones(dataType, 1, rows));
    this.rowScale = Nd4j.create(dataType, rows, 1);
  }

  /** Frees the off-heap memory now rather than at garbage collection. */
  @Override
  public void close() {
    input.array().close();
    for (HostMatrix matrix : activations) {
      matrix.array().close();
    }
    for (HostMatrix matrix : deltas) {
      matrix.array().close();
    }
    for (INDArray array : masks) {
      array.close();
    }
    ones.array().close();
    rowScale.close();
  }
}
