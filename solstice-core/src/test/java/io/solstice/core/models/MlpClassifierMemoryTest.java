package io.solstice.core.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.TensorBatch;
import io.solstice.core.data.Digits;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A training step allocates no off-heap arrays once warm. Measured with JavaCPP's count of
 * live off-heap bytes ({@link Pointer#totalBytes()}), which every ND4J buffer goes through.
 *
 * <p>ND4J op calls still create a few tiny argument pointers (shape and argument lists, tens of
 * bytes, freed by the garbage collector); the bound allows for those and is far below what a
 * single activation array of the measured batch would take, let alone the arrays an allocating
 * step creates.
 */
class MlpClassifierMemoryTest {

  private static final int STEPS = 200;
  /** 64 x 128 floats: one hidden activation of one batch; 200 steps must not reach it. */
  private static final long BOUND_BYTES = 64L * 128 * Float.BYTES;

  private final List<TensorBatch> batches = Digits.split().train().batches(64);

  @Test
  void trainStepAllocatesNoOffHeapMemoryAfterWarmUp() {
    MlpClassifier model =
        MlpClassifier.builder().inputs(64).hidden(128).classes(10)
            .updater(new Adam(1e-3)).dropout(0.1).seed(1).build();
    for (TensorBatch batch : batches) {
      model = model.trainStep(batch).experiment(); // warm-up: every batch size seen once
    }

    long before = Pointer.totalBytes();
    for (int i = 0; i < STEPS; i++) {
      model = model.trainStep(batches.get(i % batches.size())).experiment();
    }
    long grown = Pointer.totalBytes() - before;

    System.out.printf(
        "MLP 64-128-10, batch 64, Adam: off-heap growth over %d train steps = %d bytes%n",
        STEPS, grown);
    assertThat(grown).isLessThan(BOUND_BYTES);
  }

  @Test
  void theMeasurementDetectsAnAllocatingLoop() {
    // The control: predict() returns a fresh [64, 10] array per call, 200 calls = 512 KB.
    MlpClassifier model = MlpClassifier.builder().inputs(64).hidden(128).classes(10).build();
    model.predict(batches.get(0).features());
    List<Object> kept = new java.util.ArrayList<>();

    long before = Pointer.totalBytes();
    for (int i = 0; i < STEPS; i++) {
      kept.add(model.predict(batches.get(0).features()));
    }
    long grown = Pointer.totalBytes() - before;

    assertThat(kept).hasSize(STEPS);
    assertThat(grown).isGreaterThan(BOUND_BYTES);
  }
}
