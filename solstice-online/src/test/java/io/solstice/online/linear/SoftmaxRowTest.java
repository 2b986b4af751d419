package io.solstice.online.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.solstice.arrow.ArrowBatch;
import io.solstice.core.NamedArrays;
import io.solstice.online.streams.DriftingStreams;
import io.solstice.online.streams.SeaGenerator;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The logistic regression's per-row arithmetic, which is written for speed: the two-class row
 * against the general one, and the batch loss (one log per several rows) against one log per row.
 */
class SoftmaxRowTest {

  @Test
  void theTwoClassRowGivesTheGeneralRowsValuesBitForBit() {
    SplittableRandom random = new SplittableRandom(7);
    double[][] special = {{0, 0}, {1.5, 1.5}, {-800, 800}, {800, -800}, {1e-300, 0},
        {Double.NaN, 1}, {1, Double.NaN}, {Double.POSITIVE_INFINITY, 0}, {0, Double.NEGATIVE_INFINITY}};
    for (int i = 0; i < 100_000 + special.length; i++) {
      double[] scores = i < special.length
          ? special[i]
          : new double[] {random.nextGaussian() * scale(i), random.nextGaussian() * scale(i)};
      int label = i % 2;
      double[] general = scores.clone();
      double[] generalGradient = new double[2];
      double[] binary = scores.clone();
      double[] binaryGradient = new double[2];

      int generalBest = OnlineLogisticRegression.anyClassesRow(general, label, generalGradient);
      int binaryBest = OnlineLogisticRegression.binaryRow(binary, label, binaryGradient);

      assertThat(binaryBest).as("scores %s %s", scores[0], scores[1]).isEqualTo(generalBest);
      assertThat(binary).as("probabilities").isEqualTo(general);
      assertThat(binaryGradient).as("gradient").isEqualTo(generalGradient);
    }
  }

  private static double scale(int i) {
    return new double[] {1e-6, 1, 30, 1000}[i % 4];
  }

  @Test
  void theBatchLossIsTheMeanOfEachRowsCrossEntropy() {
    try (BufferAllocator allocator = new RootAllocator()) {
      List<ArrowBatch> batches = DriftingStreams.arrow(() -> SeaGenerator.of(1, 5), 1_000, allocator)
          .take(2).collectList().block();
      OnlineLogisticRegression model =
          new OnlineLogisticRegression(3, 2, LinearOptions.defaults().withUpdater(new Sgd(0.01)));
      model.trainStep(batches.get(0));

      double loss = model.evalStep(batches.get(1)).outputs().lossSum();

      assertThat(loss).isCloseTo(crossEntropyRowByRow(model.state(), batches.get(1)), within(1e-9));
      batches.forEach(ArrowBatch::close);
    }
  }

  /** The sum over rows of {@code -log p(label)}, one log per row, from the model's weights. */
  private static double crossEntropyRowByRow(NamedArrays state, ArrowBatch batch) {
    float[] w = state.get("W", DataType.FLOAT, 2, 3).dup('c').data().asFloat();
    float[] b = state.get("b", DataType.FLOAT, 2).dup('c').data().asFloat();
    FixedSizeListVector list = (FixedSizeListVector) batch.root().getVector(DriftingStreams.FEATURES);
    Float4Vector x = (Float4Vector) list.getDataVector();
    IntVector labels = (IntVector) batch.root().getVector(DriftingStreams.LABEL);
    double sum = 0;
    for (int r = 0; r < batch.rowCount(); r++) {
      double[] z = new double[2];
      for (int k = 0; k < 2; k++) {
        float s = b[k];
        for (int i = 0; i < 3; i++) {
          s += w[k * 3 + i] * x.get(r * 3 + i);
        }
        z[k] = s;
      }
      double max = Math.max(z[0], z[1]);
      double p = Math.exp(z[labels.get(r)] - max) / (Math.exp(z[0] - max) + Math.exp(z[1] - max));
      sum -= Math.log(Math.max(p, 1e-15));
    }
    return sum;
  }
}
