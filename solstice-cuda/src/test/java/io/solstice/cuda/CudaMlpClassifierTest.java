package io.solstice.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.abort;

import io.solstice.arrow.ArrowBatch;
import io.solstice.core.NamedArrays;
import io.solstice.core.TensorBatch;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Nesterovs;
import reactor.core.publisher.Flux;

/**
 * The builder's checks run everywhere; the device tests skip, with the reason naming what is
 * missing, where no GPU and CUDA 13 libraries are available.
 */
class CudaMlpClassifierTest {

  @Test
  void updatersWithoutADeviceKernelAreRefusedByName() {
    assertThatThrownBy(() -> CudaMlpClassifier.builder().updater(new Nesterovs(0.1, 0.9)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Adam and Sgd, not Nesterovs");
  }

  @Test
  void onlyFloatParametersTrainOnTheDevice() {
    assertThatThrownBy(() -> CudaMlpClassifier.builder().dataType(DataType.DOUBLE))
        .hasMessageContaining("FLOAT, not DOUBLE");
    CudaMlpClassifier.builder().dataType(DataType.FLOAT);
  }

  @Test
  void optionsAreCheckedAsTheCpuBuilderChecksThem() {
    assertThatThrownBy(() -> CudaMlpClassifier.builder().dropout(1)).hasMessageContaining("[0, 1)");
    assertThatThrownBy(() -> CudaMlpClassifier.builder().clipByNorm(0)).hasMessageContaining("clipByNorm");
    assertThatThrownBy(() -> CudaMlpClassifier.builder().clipByValue(Double.NaN)).hasMessageContaining("clipByValue");
    assertThatThrownBy(() -> CudaMlpClassifier.builder().weightDecay(-1)).hasMessageContaining("weightDecay");
    assertThatThrownBy(() -> CudaMlpClassifier.builder().classes(1)).hasMessageContaining("at least 2 classes");
    assertThatThrownBy(() -> CudaMlpClassifier.builder().inputs(64).classes(10).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("device(...)");
  }

  @Test
  void aTrainStepOnTheDeviceMatchesTheCpuModelFromTheSameState() {
    try (CudaDevice device = openOrSkip();
        BufferAllocator allocator = new RootAllocator();
        CudaMlpClassifier gpu = CudaMlpClassifier.builder().device(device).inputs(64).hidden(32).classes(10).seed(5).build()) {
      MlpClassifier cpu = MlpClassifier.builder().inputs(64).hidden(32).classes(10).build().withState(gpu.state());
      List<TensorBatch> batches = DigitsDataset.bundled().batches(64).subList(0, 10);
      Flux<ArrowBatch> arrow =
          Flux.fromIterable(batches).index()
              .map(b -> ArrowBatches.of(allocator, b.getT2().features().dup('c').data().asFloat(), 64,
                  b.getT2().labels().toLongVector(), b.getT1()));
      int step = 0;
      for (DeviceBatch batch : device.upload(arrow, new DeviceColumns("x", "y", 10), 2).toIterable(2)) {
        try (batch) {
          ClassificationMetrics onDevice = gpu.trainStep(batch).outputs();
          ClassificationMetrics onHost = cpu.trainStep(batches.get(step++)).outputs();
          assertThat(onDevice.lossSum()).isCloseTo(onHost.lossSum(), within(1e-4 * onHost.lossSum()));
          assertThat(onDevice.confusionMatrix()).isDeepEqualTo(onHost.confusionMatrix());
        }
      }
      assertThat(step).isEqualTo(10);
      NamedArrays back = gpu.state();
      assertThat(back.names()).containsExactlyElementsOf(cpu.state().names());
      assertThat(back.getLong("updater/iteration")).isEqualTo(10);
    }
  }

  @Test
  void aDeviceCheckpointRestoresExactly() {
    try (CudaDevice device = openOrSkip();
        CudaMlpClassifier gpu = CudaMlpClassifier.builder().device(device).inputs(8).hidden(4).classes(3).seed(1).build();
        CudaMlpClassifier restored = gpu.withState(gpu.state())) {
      assertThat(restored.state()).isEqualTo(gpu.state());
    }
  }

  private static CudaDevice openOrSkip() {
    try {
      return CudaDevice.open(0);
    } catch (CudaUnavailableException e) {
      return abort("no GPU here: " + e.getMessage());
    }
  }
}
