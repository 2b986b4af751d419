package io.solstice.cuda.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.NamedArrays;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.models.MlpClassifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/** The device layout speaks the CPU model's state: same names, shapes, types and order. */
class StateArraysTest {

  private static final int[] SIZES = {64, 32, 16, 10};

  @Test
  void theDeviceStateHasTheCpuModelsNamesShapesTypesAndOrderWithAdam() {
    MlpClassifier cpu = cpuModel(new Adam(1e-3));
    NamedArrays device = StateArrays.toNamedArrays(new MlpLayout(SIZES), flatState(true, 3));

    assertThat(describe(device)).containsExactlyElementsOf(describe(cpu.state()));
    assertThat(device.names()).startsWith("layer0/W", "layer0/b", "layer1/W")
        .contains("updater/layer2/b/V", "updater/iteration", "rng/counter");
  }

  @Test
  void withSgdThereAreNoMomentsOnEitherSide() {
    MlpClassifier cpu = cpuModel(new Sgd(0.1));
    NamedArrays device = StateArrays.toNamedArrays(new MlpLayout(SIZES), flatState(false, 5));

    assertThat(describe(device)).containsExactlyElementsOf(describe(cpu.state()));
  }

  @Test
  void aTrainedCpuCheckpointPassesThroughTheDeviceLayoutBitForBit() {
    MlpClassifier cpu = cpuModel(new Adam(1e-2));
    DigitsDataset.bundled().batches(64).stream().limit(3).forEach(b -> cpu.trainStep(b));
    NamedArrays checkpoint = cpu.state().copy();

    FlatState flat = StateArrays.fromNamedArrays(new MlpLayout(SIZES), checkpoint, true);
    NamedArrays back = StateArrays.toNamedArrays(new MlpLayout(SIZES), flat);

    assertThat(flat.iteration()).isEqualTo(3);
    assertThat(back).isEqualTo(checkpoint);
  }

  @Test
  void theCpuModelResumesFromADeviceStateAndWritesItBackUnchanged() {
    NamedArrays device = StateArrays.toNamedArrays(new MlpLayout(SIZES), flatState(true, 11));

    MlpClassifier resumed = cpuModel(new Adam(1e-3)).withState(device);

    assertThat(resumed.state()).isEqualTo(device);
    assertThat(resumed.optimizer().iteration()).isEqualTo(11);
  }

  @Test
  void aStateOfAnotherShapeIsRefusedByName() {
    NamedArrays other = StateArrays.toNamedArrays(new MlpLayout(64, 20, 10), flatStateFor(new MlpLayout(64, 20, 10), true));

    assertThatThrownBy(() -> StateArrays.fromNamedArrays(new MlpLayout(SIZES), other, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("layer0/W");
  }

  @Test
  void anSgdStateLacksTheMomentsAdamNeeds() {
    NamedArrays sgd = StateArrays.toNamedArrays(new MlpLayout(SIZES), flatState(false, 1));

    assertThatThrownBy(() -> StateArrays.fromNamedArrays(new MlpLayout(SIZES), sgd, true))
        .hasMessageContaining("updater/layer0/W/M");
  }

  @Test
  void theLayoutPacksParametersAsTheCpuModelsFlatBuffer() {
    MlpClassifier cpu = cpuModel(new Adam(1e-3));
    MlpLayout layout = new MlpLayout(SIZES);
    float[] flat = cpu.parameters().values().toFloatVector();

    FlatState read = StateArrays.fromNamedArrays(layout, cpu.state(), true);

    assertThat(layout.length()).isEqualTo(cpu.parameters().length());
    assertThat(read.values()).containsExactly(flat);
  }

  @Test
  void hostInitialValuesFollowHeAndXavierAndAreReproducible() {
    MlpLayout layout = new MlpLayout(784, 300, 10);
    float[] values = HostInitializer.initialValues(layout, 7);

    assertThat(HostInitializer.initialValues(layout, 7)).containsExactly(values);
    assertThat(HostInitializer.initialValues(layout, 8)).isNotEqualTo(values);
    double std = std(values, layout.weight(0));
    assertThat(std).isCloseTo(Math.sqrt(2.0 / 784), org.assertj.core.data.Percentage.withPercentage(2));
    MlpLayout.Slot out = layout.weight(1);
    double limit = Math.sqrt(6.0 / (300 + 10));
    for (long i = out.offset(); i < out.offset() + out.length(); i++) {
      assertThat(Math.abs(values[(int) i])).isLessThanOrEqualTo((float) limit);
    }
    assertThat(std(values, out)).isCloseTo(limit / Math.sqrt(3), org.assertj.core.data.Percentage.withPercentage(5));
    for (MlpLayout.Slot bias : List.of(layout.bias(0), layout.bias(1))) {
      for (long i = bias.offset(); i < bias.offset() + bias.length(); i++) {
        assertThat(values[(int) i]).isZero();
      }
    }
  }

  @Test
  void countsTheFlopsOfATrainingStep() {
    // 784-256-10: forward and weight gradients of both layers, the input gradient of the second.
    long expected = 2L * 784 * 256 * 2 + 2L * 256 * 10 * 3 + 2L * 256 + 2L * 10;
    assertThat(new MlpLayout(784, 256, 10).trainFlopsPerExample()).isEqualTo(expected);
  }

  private static double std(float[] values, MlpLayout.Slot slot) {
    double sum = 0;
    double squares = 0;
    for (long i = slot.offset(); i < slot.offset() + slot.length(); i++) {
      sum += values[(int) i];
      squares += (double) values[(int) i] * values[(int) i];
    }
    double mean = sum / slot.length();
    return Math.sqrt(squares / slot.length() - mean * mean);
  }

  private static MlpClassifier cpuModel(org.nd4j.linalg.learning.config.IUpdater updater) {
    return MlpClassifier.builder().inputs(64).hidden(32, 16).classes(10).updater(updater).seed(3).build();
  }

  private static FlatState flatState(boolean moments, long iteration) {
    FlatState state = flatStateFor(new MlpLayout(SIZES), moments);
    return new FlatState(state.values(), state.firstMoment(), state.secondMoment(), iteration, 2, 9, 4);
  }

  private static FlatState flatStateFor(MlpLayout layout, boolean moments) {
    SplittableRandom random = new SplittableRandom(1);
    int n = Math.toIntExact(layout.length());
    float[][] arrays = new float[3][n];
    for (float[] array : arrays) {
      for (int i = 0; i < n; i++) {
        array[i] = (float) random.nextDouble(-1, 1);
      }
    }
    return new FlatState(arrays[0], moments ? arrays[1] : null, moments ? arrays[2] : null, 0, 0, 0, 0);
  }

  /** Name, data type and shape of each array, in order. */
  private static List<String> describe(NamedArrays state) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, INDArray> entry : state.asMap().entrySet()) {
      out.add(entry.getKey() + ":" + entry.getValue().dataType() + java.util.Arrays.toString(entry.getValue().shape()));
    }
    return out;
  }
}
