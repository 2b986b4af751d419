package io.solstice.benchmarks.internal;

import io.solstice.core.nd4j.HostGemm;
import io.solstice.core.nd4j.Initializer;
import io.solstice.core.nd4j.Optimizer;
import io.solstice.core.nd4j.Parameters;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A one-hidden-layer MLP trained with nothing but ND4J calls (and the gemms the model makes,
 * {@code HostGemm}) inlined in one method: the floor that any model class on ND4J can approach.
 * Same math as {@code MlpClassifier} with one hidden layer (gemm forward, in-place ReLU and
 * softmax, gemm backward, Solstice's {@code Optimizer} with Adam on one flat buffer), but labels
 * arrive one-hot and ready in ND4J, and no loss, predictions or metrics are read back to the
 * heap.
 */
public final class InlinedMlp {

  private final int inputs;
  private final int hidden;
  private final int classes;
  private final INDArray w0;
  private final INDArray b0;
  private final INDArray w1;
  private final INDArray b1;
  private final INDArray gw0;
  private final INDArray gb0;
  private final INDArray gw1;
  private final INDArray gb1;
  private final Optimizer adam;
  private long rows = -1;
  private INDArray h;
  private INDArray logits;
  private INDArray dh;
  private INDArray ones;

  /**
   * A model with He-normal hidden weights, Xavier output weights and zero biases.
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
    Parameters params = Parameters.builder()
        .dataType(DataType.FLOAT)
        .seed(42)
        .weight("w0", Initializer.heNormal(), inputs, hidden)
        .bias("b0", Initializer.zeros(), 1, hidden)
        .weight("w1", Initializer.xavierNormal(), hidden, classes)
        .bias("b1", Initializer.zeros(), 1, classes)
        .build();
    w0 = params.get("w0");
    b0 = params.get("b0");
    w1 = params.get("w1");
    b1 = params.get("b1");
    gw0 = params.gradient("w0");
    gb0 = params.gradient("b0");
    gw1 = params.gradient("w1");
    gb1 = params.gradient("b1");
    // The same update rule as MlpClassifier's, so that the comparison is about everything else.
    adam = Optimizer.builder(new Adam(learningRate)).build(params);
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
    HostGemm.gemm(x, w0, h, false, false, 1.0, 0.0);
    h.addiRowVector(b0);
    Nd4j.exec(new RectifiedLinear(h, h, 0.0));
    HostGemm.gemm(h, w1, logits, false, false, 1.0, 0.0);
    logits.addiRowVector(b1);
    Nd4j.exec(new SoftMax(logits, logits, 1));
    logits.subi(y).muli(1.0 / n);
    HostGemm.gemm(h, logits, gw1, true, false, 1.0, 0.0);
    HostGemm.gemm(ones, logits, gb1, false, false, 1.0, 0.0);
    HostGemm.gemm(logits, w1, dh, false, true, 1.0, 0.0);
    Nd4j.exec(new RectifiedLinearDerivative(h, dh, dh));
    HostGemm.gemm(x, dh, gw0, true, false, 1.0, 0.0);
    HostGemm.gemm(ones, dh, gb0, false, false, 1.0, 0.0);
    adam.step();
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
