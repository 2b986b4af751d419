package io.solstice.core.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.TensorBatch;
import io.solstice.core.data.Digits;
import io.solstice.core.nd4j.GradientClipping;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A training step allocates no off-heap memory once warm.
 *
 * <p>How it is measured: the steps run inside an ND4J workspace opened only to count, so every
 * array created during them (an op's result, a {@code dup}, a cast, a reduction's scalar) is
 * carved out of that workspace and adds to its offset; the offset after the steps is the
 * off-heap memory they allocated. (JavaCPP's {@code Pointer.totalBytes()} cannot serve: on the
 * CPU backend libnd4j allocates array memory itself, so it only sees small argument pointers.)
 */
class MlpClassifierMemoryTest {

  private static final int STEPS = 200;
  private static final WorkspaceConfiguration COUNTING =
      WorkspaceConfiguration.builder()
          .initialSize(64L << 20)
          .policyAllocation(AllocationPolicy.STRICT)
          .policyLearning(LearningPolicy.NONE)
          .policySpill(SpillPolicy.EXTERNAL)
          .build();

  private final List<TensorBatch> batches = Digits.split().train().batches(64);

  private static MlpClassifier warmModel(List<TensorBatch> batches) {
    MlpClassifier model =
        MlpClassifier.builder().inputs(64).hidden(128).classes(10)
            .updater(new Adam(1e-3)).dropout(0.1).seed(1).build();
    for (TensorBatch batch : batches) {
      model = model.trainStep(batch).experiment(); // every batch size (64 and the rest) once
    }
    return model;
  }

  /** Off-heap bytes allocated by {@code steps} calls of {@code step}, counted by a workspace. */
  private static long bytesAllocatedBy(
      MlpClassifier model, int steps, UnaryOperator<MlpClassifier> step) {
    try (MemoryWorkspace workspace =
        Nd4j.getWorkspaceManager().getAndActivateWorkspace(COUNTING, "solstice-count")) {
      MlpClassifier current = model;
      for (int i = 0; i < steps; i++) {
        current = step.apply(current);
      }
      return workspace.getThisCycleAllocations();
    }
  }

  @Test
  void trainStepAllocatesNoOffHeapMemoryAfterWarmUp() {
    MlpClassifier model = warmModel(batches);
    int[] index = {0};

    long allocated =
        bytesAllocatedBy(
            model,
            STEPS,
            m -> m.trainStep(batches.get(index[0]++ % batches.size())).experiment());

    System.out.printf(
        "MLP 64-128-10, batch 64, Adam, dropout 0.1: %d bytes allocated off-heap by %d train"
            + " steps after warm-up%n", allocated, STEPS);
    assertThat(allocated).isZero();
  }

  @Test
  void clippingAndWeightDecayKeepTheStepAllocationFree() {
    MlpClassifier model =
        MlpClassifier.builder().inputs(64).hidden(128).classes(10)
            .updater(new Adam(1e-3)).clipping(GradientClipping.byNorm(0.5))
            .weightDecay(1e-4).seed(1).build();
    model = model.trainStep(batches.get(0)).experiment();

    long allocated = bytesAllocatedBy(model, 20, m -> m.trainStep(batches.get(0)).experiment());

    assertThat(allocated).isZero();
  }

  @Test
  void evalStepAllocatesNoOffHeapMemoryAfterWarmUp() {
    MlpClassifier model = warmModel(batches);

    long allocated =
        bytesAllocatedBy(model, STEPS, m -> m.evalStep(batches.get(0)).experiment());

    assertThat(allocated).isZero();
  }

  @Test
  void theMeasurementSeesAStepThatAllocatesOneArray() {
    // The control: train steps plus one [64, 128] float array each.
    MlpClassifier model = warmModel(batches);
    int steps = 10;

    long allocated =
        bytesAllocatedBy(
            model,
            steps,
            m -> {
              Nd4j.create(DataType.FLOAT, 64, 128);
              return m.trainStep(batches.get(0)).experiment();
            });

    assertThat(allocated).isGreaterThanOrEqualTo((long) steps * 64 * 128 * Float.BYTES);
  }

  @Test
  void buffersForANewBatchSizeAreAllocatedOutsideTheCallersWorkspace() {
    // Buffers kept across steps must survive the workspace a step ran in.
    MlpClassifier model = warmModel(batches);

    List<TensorBatch> ofSeventeen = Digits.split().test().batches(17);
    try (MemoryWorkspace workspace =
        Nd4j.getWorkspaceManager().getAndActivateWorkspace(COUNTING, "solstice-count")) {
      model.trainStep(ofSeventeen.get(0));
      assertThat(workspace.getThisCycleAllocations()).isZero();
    }
    // The model still trains with those buffers after the workspace is gone.
    model.trainStep(ofSeventeen.get(1));
    assertThat(model.optimizer().iteration()).isEqualTo(batches.size() + 2);
  }
}
