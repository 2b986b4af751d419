package io.solstice.arrow;

import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A real train step for round-trip tests: one gradient step of softmax regression on the
 * batch, recording what the step saw (the row ids, whether every value matched
 * {@link TestData}) and the loss.
 */
final class LinearSoftmaxStep implements Function<ArrowTensorBatch, LinearSoftmaxStep.Seen> {
  /** What one step saw. */
  record Seen(long[] ids, boolean valuesMatch, double loss) {}

  private final INDArray weights = Nd4j.zeros(DataType.FLOAT, TestData.WIDTH, TestData.CLASSES);

  @Override
  public Seen apply(ArrowTensorBatch batch) {
    INDArray x = batch.features();
    INDArray y = batch.labels();
    long[] ids = TrainStepHarness.ids(x);
    boolean match = true;
    for (int r = 0; r < ids.length; r++) {
      for (int c = 0; c < TestData.WIDTH; c++) {
        match &= x.getFloat(r, c) == TestData.pixel(ids[r], c);
      }
      match &= y.getLong(r) == TestData.label(ids[r]);
    }
    INDArray scaled = x.div(1000);
    INDArray probs = Transforms.softmax(scaled.mmul(weights), true);
    INDArray oneHot = Nd4j.zeros(DataType.FLOAT, ids.length, TestData.CLASSES);
    for (int r = 0; r < ids.length; r++) {
      oneHot.putScalar(r, y.getLong(r), 1f);
    }
    double loss = -Transforms.log(probs.mul(oneHot).sum(1).addi(1e-7f), true).meanNumber().doubleValue();
    weights.subi(scaled.transpose().mmul(probs.sub(oneHot)).muli(0.1f / ids.length));
    return new Seen(ids, match, loss);
  }
}
