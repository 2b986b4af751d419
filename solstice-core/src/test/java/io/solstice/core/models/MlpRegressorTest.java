package io.solstice.core.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.solstice.core.NamedArrays;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.RegressionMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/** The MLP regressor: exact gradients, learning in target units, and its state. */
class MlpRegressorTest {

  private static final double[] WEIGHTS = {3.0, -2.0, 0.5, 1.5};
  private static final double NOISE = 0.5;
  private static final double OFFSET = 100;

  /** Rows of four standard-normal features and y = 100 + x.w + N(0, 0.5^2). */
  private static TensorBatch linearRows(int rows, long seed) {
    Random random = new Random(seed);
    double[][] x = new double[rows][WEIGHTS.length];
    double[] y = new double[rows];
    for (int r = 0; r < rows; r++) {
      y[r] = OFFSET + random.nextGaussian() * NOISE;
      for (int c = 0; c < WEIGHTS.length; c++) {
        x[r][c] = random.nextGaussian();
        y[r] += WEIGHTS[c] * x[r][c];
      }
    }
    return TensorBatch.of(Nd4j.createFromArray(x).castTo(DataType.FLOAT), Nd4j.createFromArray(y));
  }

  private static List<TensorBatch> batches(TensorBatch all, int size) {
    List<TensorBatch> out = new ArrayList<>();
    for (long start = 0; start < all.rows(); start += size) {
      long end = Math.min(all.rows(), start + size);
      out.add(TensorBatch.of(
          all.features().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end)).dup(),
          all.labels().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end)).dup()));
    }
    return out;
  }

  /** A seeded standard-normal DOUBLE array. */
  private static INDArray gaussian(long seed, long... shape) {
    Random random = new Random(seed);
    INDArray out = Nd4j.create(DataType.DOUBLE, shape);
    for (long i = 0; i < out.length(); i++) {
      out.putScalar(i, random.nextGaussian());
    }
    return out;
  }

  @Test
  void squaredErrorGradientsMatchFiniteDifferences() {
    MlpRegressor model = MlpRegressor.builder().inputs(5).hidden(7, 6).outputs(2)
        .targetScaling(new double[] {3, -1}, new double[] {2, 0.5})
        .updater(new Sgd(0.1)).dataType(DataType.DOUBLE).seed(3).build();
    INDArray features = gaussian(1, 9, 5).muli(2);
    INDArray targets = gaussian(2, 9, 2).muli(3).addi(2);

    model.gradients(features, targets);
    int checked = FiniteDifferences.assertGradientsMatch(model.parameters(), () -> model.loss(features, targets));

    assertThat(checked).isEqualTo(5 * 7 + 7 + 7 * 6 + 6 + 6 * 2 + 2);
  }

  @Test
  void huberGradientsMatchFiniteDifferencesOnBothSidesOfDelta() {
    MlpRegressor model = MlpRegressor.builder().inputs(3).hidden(5).huber(0.3)
        .updater(new Sgd(0.1)).dataType(DataType.DOUBLE).seed(4).build();
    // Small features give outputs near 0: against targets from 0 to 3, the first errors are below
    // delta and the rest above.
    INDArray features = gaussian(3, 12, 3).muli(0.05);
    double[] spread = new double[12];
    for (int i = 0; i < 12; i++) {
      spread[i] = 3.0 * i / 11;
    }
    INDArray targets = Nd4j.createFromArray(spread);

    model.gradients(features, targets);
    FiniteDifferences.assertGradientsMatch(model.parameters(), () -> model.loss(features, targets));

    double[] outputs = model.predict(features).toDoubleVector();
    int below = 0;
    for (int i = 0; i < 12; i++) {
      below += Math.abs(outputs[i] - targets.getDouble(i)) <= 0.3 ? 1 : 0;
    }
    assertThat(below).as("rows whose error is in the quadratic part").isBetween(1, 11);
  }

  @Test
  void learnsANoisyLinearTargetAsWellAsTheNoiseAllowsInTheTargetsOwnUnits() {
    TensorBatch train = linearRows(2000, 1);
    TensorBatch test = linearRows(500, 2);
    double[] y = train.labels().toDoubleVector();
    RegressionMetrics spread = RegressionMetrics.of(new double[y.length], y);
    double targetStd = Math.sqrt(spread.compute().get("mse") - Math.pow(train.labels().meanNumber().doubleValue(), 2));
    MlpRegressor model = MlpRegressor.builder().inputs(4).hidden(16)
        .targetScaling(new double[] {train.labels().meanNumber().doubleValue()}, new double[] {targetStd})
        .updater(new Adam(1e-2)).seed(7).build();

    for (int epoch = 0; epoch < 20; epoch++) {
      for (TensorBatch batch : batches(train, 64)) {
        model = model.trainStep(batch).experiment();
      }
    }
    RegressionMetrics metrics = model.evalStep(test).outputs();

    // The best any model can do: R^2 = 1 - noise variance / target variance, RMSE = noise.
    double signal = 0;
    for (double w : WEIGHTS) {
      signal += w * w;
    }
    double best = 1 - NOISE * NOISE / (signal + NOISE * NOISE);
    assertThat(metrics.compute().get("r2")).isGreaterThan(best - 0.01);
    assertThat(metrics.compute().get("rmse")).isCloseTo(NOISE, within(0.1));
    assertThat(model.predict(test.features()).meanNumber().doubleValue()).isCloseTo(OFFSET, within(1.0));
  }

  @Test
  void restoredModelContinuesBitIdenticallyAndCarriesItsTargetScaling() {
    List<TensorBatch> batches = batches(linearRows(256, 3), 32);
    MlpRegressor original = MlpRegressor.builder().inputs(4).hidden(8).dropout(0.2)
        .targetScaling(new double[] {100}, new double[] {5}).updater(new Adam(1e-2)).seed(5).build();
    for (int i = 0; i < 4; i++) {
      original = original.trainStep(batches.get(i)).experiment();
    }
    NamedArrays saved = original.state().copy();
    assertThat(saved.names()).contains("layer0/W", "updater/iteration", "rng/counter", "target/mean", "target/scale");

    MlpRegressor restored = MlpRegressor.builder().inputs(4).hidden(8).dropout(0.2)
        .updater(new Adam(1e-2)).seed(99).build().withState(saved);
    for (int i = 4; i < 8; i++) {
      original = original.trainStep(batches.get(i)).experiment();
      restored = restored.trainStep(batches.get(i)).experiment();
    }
    assertThat(restored.state()).isEqualTo(original.state());
    assertThat(restored.state().get("target/mean").getDouble(0)).isEqualTo(100.0);
  }

  @Test
  void targetsOfTheWrongShapeAreRefusedWithTheShapes() {
    MlpRegressor model = MlpRegressor.builder().inputs(2).outputs(2).build();
    assertThatThrownBy(() -> model.trainStep(TensorBatch.of(Nd4j.ones(DataType.FLOAT, 3, 2), Nd4j.ones(3))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("targets must be [rows] for one output or [rows, 2]: 3 rows but targets of shape [3]");
  }
}
