package io.solstice.benchmarks.internal;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A one-hidden-layer MLP trained with nothing but ND4J calls inlined in one method: the floor
 * that any model class on ND4J can approach. Same math as {@code MlpClassifier} with one hidden
 * layer (gemm forward, in-place ReLU and softmax, gemm backward, Adam on one flat buffer), but
 * labels arrive one-hot and ready in ND4J, and no loss, predictions or metrics are read back
 * to the heap.
 */
public final class InlinedMlp {

  private final int inputs;
  private final int hidden;
  private final int classes;
  private final INDArray params;
  private final INDArray grads;
  private final INDArray w0;
  private final INDArray b0;
  private final INDArray w1;
  private final INDArray b1;
  private final INDArray gw0;
  private final INDArray gb0;
  private final INDArray gw1;
  private final INDArray gb1;
  private final GradientUpdater<?> adam;
  private int iteration;
  private long rows = -1;
  private INDArray h;
  private INDArray logits;
  private INDArray dh;
  private INDArray ones;

  /**
   * A model with He-normal hidden weights, small output weights and zero biases.
   *
   * @param inputs input features
   * @param hidden hidden units
   * @param classes classes
   * @param learningRate Adam's learning rate
   */
  public InlinedMlp(int inputs, int hidden, int classes, double learningRate) {
    this.inputs = inputs;
    this.hidden = hidden;
    this.classes = classes;
    long n0 = (long) inputs * hidden;
    long n1 = (long) hidden * classes;
    long total = n0 + hidden + n1 + classes;
    params = Nd4j.create(DataType.FLOAT, total);
    grads = Nd4j.create(DataType.FLOAT, total);
    w0 = view(params, 0, inputs, hidden);
    b0 = view(params, n0, 1, hidden);
    w1 = view(params, n0 + hidden, hidden, classes);
    b1 = view(params, n0 + hidden + n1, 1, classes);
    gw0 = view(grads, 0, inputs, hidden);
    gb0 = view(grads, n0, 1, hidden);
    gw1 = view(grads, n0 + hidden, hidden, classes);
    gb1 = view(grads, n0 + hidden + n1, 1, classes);
    Nd4j.getRandom().setSeed(42);
    w0.assign(Nd4j.randn(DataType.FLOAT, inputs, hidden).muli(Math.sqrt(2.0 / inputs)));
    w1.assign(Nd4j.randn(DataType.FLOAT, hidden, classes).muli(Math.sqrt(1.0 / hidden)));
    Adam config = new Adam(learningRate);
    INDArray state = Nd4j.create(DataType.FLOAT, 1, config.stateSize(total));
    adam = config.instantiate(state, true);
  }

  private static INDArray view(INDArray flat, long offset, long r, long c) {
    return flat.get(NDArrayIndex.interval(offset, offset + r * c)).reshape('c', r, c);
  }

  /**
   * One epoch of train steps.
   *
   * @param features per batch, FLOAT [rows, inputs]
   * @param oneHot per batch, FLOAT [rows, classes]
   */
  public void epoch(List<INDArray> features, List<INDArray> oneHot) {
    for (int i = 0; i < features.size(); i++) {
      step(features.get(i), oneHot.get(i));
    }
  }

  /**
   * One train step.
   *
   * @param x FLOAT [rows, inputs]
   * @param y FLOAT one-hot [rows, classes]
   */
  public void step(INDArray x, INDArray y) {
    long n = x.size(0);
    if (n != rows) {
      rows = n;
      h = Nd4j.create(DataType.FLOAT, n, hidden);
      logits = Nd4j.create(DataType.FLOAT, n, classes);
      dh = Nd4j.create(DataType.FLOAT, n, hidden);
      ones = Nd4j.ones(DataType.FLOAT, 1, n);
    }
    Nd4j.gemm(x, w0, h, false, false, 1.0, 0.0);
    h.addiRowVector(b0);
    Nd4j.exec(new RectifiedLinear(h, h, 0.0));
    Nd4j.gemm(h, w1, logits, false, false, 1.0, 0.0);
    logits.addiRowVector(b1);
    Nd4j.exec(new SoftMax(logits, logits, 1));
    logits.subi(y).muli(1.0 / n);
    Nd4j.gemm(h, logits, gw1, true, false, 1.0, 0.0);
    Nd4j.gemm(ones, logits, gb1, false, false, 1.0, 0.0);
    Nd4j.gemm(logits, w1, dh, false, true, 1.0, 0.0);
    Nd4j.exec(new RectifiedLinearDerivative(h, dh, dh));
    Nd4j.gemm(x, dh, gw0, true, false, 1.0, 0.0);
    Nd4j.gemm(ones, dh, gb0, false, false, 1.0, 0.0);
    adam.applyUpdater(grads, iteration++, 0);
    params.subi(grads);
  }

  /**
   * Input features, hidden units and classes.
   *
   * @return the layer sizes
   */
  public int[] sizes() {
    return new int[] {inputs, hidden, classes};
  }
}
