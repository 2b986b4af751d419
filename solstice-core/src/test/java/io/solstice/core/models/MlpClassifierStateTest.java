package io.solstice.core.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.NamedArrays;
import io.solstice.core.TensorBatch;
import io.solstice.core.data.Digits;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;

class MlpClassifierStateTest {

  private final List<TensorBatch> batches = Digits.split().train().batches(32);

  private static MlpClassifier.Builder digitsModel() {
    return MlpClassifier.builder().inputs(64).hidden(32, 16).classes(10).dropout(0.2).seed(5);
  }

  @Test
  void stateNamesParametersOptimizerStateAndRng() {
    MlpClassifier model = digitsModel().updater(new Adam(1e-3)).build();

    assertThat(model.state().names())
        .containsExactly(
            "layer0/W", "layer0/b", "layer1/W", "layer1/b", "layer2/W", "layer2/b",
            "updater/layer0/W/M", "updater/layer0/W/V", "updater/layer0/b/M", "updater/layer0/b/V",
            "updater/layer1/W/M", "updater/layer1/W/V", "updater/layer1/b/M", "updater/layer1/b/V",
            "updater/layer2/W/M", "updater/layer2/W/V", "updater/layer2/b/M", "updater/layer2/b/V",
            "updater/iteration", "updater/epoch", "rng/seed", "rng/counter");
    assertThat(model.state().get("updater/layer0/W/M").shape()).containsExactly(64, 32);
  }

  @Test
  void restoredModelContinuesBitIdenticallyIncludingAdamMomentsAndDropout() {
    MlpClassifier original = digitsModel().updater(new Adam(1e-2)).build();
    for (int i = 0; i < 5; i++) {
      original = original.trainStep(batches.get(i)).experiment();
    }
    NamedArrays saved = original.state().copy();

    MlpClassifier fresh = digitsModel().updater(new Adam(1e-2)).seed(999).build();
    MlpClassifier restored = fresh.withState(saved);
    assertThat(restored.state()).isEqualTo(saved);

    for (int i = 5; i < 8; i++) {
      original = original.trainStep(batches.get(i)).experiment();
      restored = restored.trainStep(batches.get(i)).experiment();
    }
    assertThat(restored.state()).isEqualTo(original.state());
    assertThat(restored.state()).isNotEqualTo(saved);
  }

  @Test
  void withoutTheOptimizerStateTheContinuationDiffers() {
    // The control for the test above: dropping the momentum must change the next step.
    MlpClassifier original = digitsModel().updater(new Nesterovs(0.1, 0.9)).build();
    for (int i = 0; i < 5; i++) {
      original = original.trainStep(batches.get(i)).experiment();
    }
    NamedArrays saved = original.state().copy();
    NamedArrays.Builder withoutMomentum = NamedArrays.builder();
    saved.asMap().forEach(
        (name, array) ->
            withoutMomentum.put(name, name.endsWith("/V") ? array.mul(0) : array));
    MlpClassifier restored = original.withState(withoutMomentum.build());

    original = original.trainStep(batches.get(5)).experiment();
    restored = restored.trainStep(batches.get(5)).experiment();
    assertThat(restored.state().get("layer0/W")).isNotEqualTo(original.state().get("layer0/W"));
  }

  @Test
  void theDropoutStreamFollowsTheRngCounterInTheState() {
    MlpClassifier original = digitsModel().updater(new Adam(1e-2)).build();
    original = original.trainStep(batches.get(0)).experiment();
    NamedArrays saved = original.state().copy();
    NamedArrays.Builder shifted = NamedArrays.builder();
    saved.asMap().forEach(
        (name, array) ->
            shifted.put(name, name.equals("rng/counter") ? array.add(1) : array));
    MlpClassifier restored = original.withState(shifted.build());

    original = original.trainStep(batches.get(1)).experiment();
    restored = restored.trainStep(batches.get(1)).experiment();

    assertThat(saved.getLong("rng/counter")).isEqualTo(1);
    assertThat(restored.state().get("layer0/W")).isNotEqualTo(original.state().get("layer0/W"));
  }

  @Test
  void withStateLeavesTheReceiverUnchanged() {
    MlpClassifier model = digitsModel().build();
    NamedArrays before = model.state().copy();
    MlpClassifier trained = digitsModel().build().trainStep(batches.get(0)).experiment();

    model.withState(trained.state());

    assertThat(model.state()).isEqualTo(before);
  }

  @Test
  void stateOfAnotherArchitectureIsRefusedByName() {
    MlpClassifier small = MlpClassifier.builder().inputs(64).hidden(8).classes(10).build();
    MlpClassifier large = MlpClassifier.builder().inputs(64).hidden(16).classes(10).build();

    assertThatThrownBy(() -> small.withState(large.state()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("layer0/W");
  }
}
