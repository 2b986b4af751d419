package io.solstice.core.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.TensorBatch;
import io.solstice.core.nd4j.GradientClipping;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A training step that makes the first layer's weight gradient in tiles inside Adam's update
 * ({@link FirstLayerTiles}) leaves the model exactly as computing every gradient and then
 * stepping does, step after step, for both models and both precisions.
 */
class FirstLayerTilesTest {

  private static final int INPUTS = 784;
  private static final int HIDDEN = 100;
  private static final int BATCH = 32;

  @Test
  void theShapesBelowUseTilesAndBatch128Of784x256DoesNot() {
    assertThat(FirstLayerTiles.rowsPerTile(HIDDEN, BATCH)).isEqualTo(81).isGreaterThanOrEqualTo(FirstLayerTiles.MIN_ROWS);
    assertThat(INPUTS * HIDDEN).isGreaterThanOrEqualTo(FirstLayerTiles.MIN_VALUES);
    assertThat(FirstLayerTiles.rowsPerTile(300, 32)).as("784-300-100-10 at batch 32").isEqualTo(27);
    assertThat(FirstLayerTiles.rowsPerTile(256, 128)).as("784-256-10 at batch 128").isLessThan(FirstLayerTiles.MIN_ROWS);
  }

  @Test
  void aClassifiersTrainStepIsItsGradientsThenAnOptimizerStepBitForBit() throws Exception {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      MlpClassifier tiled = classifier(type).build();
      MlpClassifier whole = classifier(type).build();
      for (int step = 0; step < 3; step++) {
        INDArray features = gaussian(step, type);
        INDArray labels = Nd4j.createFromArray(classes(step));

        tiled.trainStep(TensorBatch.of(features, labels));
        whole.gradients(features, labels);
        whole.optimizer().step();

        assertThat(tiled.parameters().values().data().asDouble()).as("%s, step %d", type, step)
            .isEqualTo(whole.parameters().values().data().asDouble());
      }
      assertThat(tiled.state().asMap().keySet()).isEqualTo(whole.state().asMap().keySet());
      tiled.state().asMap().forEach((name, value) -> assertThat(value.data().asDouble()).as("%s %s", type, name)
          .isEqualTo(whole.state().asMap().get(name).data().asDouble()));
    }
  }

  @Test
  void aRegressorsTrainStepIsItsGradientsThenAnOptimizerStepBitForBit() throws Exception {
    MlpRegressor tiled = MlpRegressor.builder().inputs(INPUTS).hidden(HIDDEN).outputs(2).seed(5).build();
    MlpRegressor whole = MlpRegressor.builder().inputs(INPUTS).hidden(HIDDEN).outputs(2).seed(5).build();
    for (int step = 0; step < 3; step++) {
      INDArray features = gaussian(step, DataType.FLOAT);
      INDArray targets = gaussian(step + 10, DataType.FLOAT).get(
          org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2)).dup();

      tiled.trainStep(TensorBatch.of(features, targets));
      whole.gradients(features, targets);
      whole.optimizer().step();

      assertThat(tiled.parameters().values().data().asDouble()).as("step %d", step)
          .isEqualTo(whole.parameters().values().data().asDouble());
    }
  }

  @Test
  void aModelWhoseOptimizerNeedsTheWholeGradientTrainsAsBefore() throws Exception {
    // Clipping by norm needs every gradient before any update: the step makes them whole.
    MlpClassifier clipped = classifier(DataType.FLOAT).clipping(GradientClipping.byNorm(0.1)).build();
    MlpClassifier whole = classifier(DataType.FLOAT).clipping(GradientClipping.byNorm(0.1)).build();
    INDArray features = gaussian(0, DataType.FLOAT);
    INDArray labels = Nd4j.createFromArray(classes(0));

    clipped.trainStep(TensorBatch.of(features, labels));
    whole.gradients(features, labels);
    whole.optimizer().step();

    assertThat(clipped.parameters().values().data().asDouble()).isEqualTo(whole.parameters().values().data().asDouble());
  }

  private static MlpClassifier.Builder classifier(DataType type) {
    return MlpClassifier.builder().inputs(INPUTS).hidden(HIDDEN, 20).classes(10).dataType(type).seed(9);
  }

  private static INDArray gaussian(int seed, DataType type) throws Exception {
    try (Random random = Nd4j.getRandomFactory().getNewRandomInstance(100 + seed)) {
      return random.nextGaussian('c', new long[] {BATCH, INPUTS}).castTo(type);
    }
  }

  private static int[] classes(int seed) {
    java.util.Random random = new java.util.Random(seed);
    int[] classes = new int[BATCH];
    for (int i = 0; i < BATCH; i++) {
      classes[i] = random.nextInt(10);
    }
    return classes;
  }
}
