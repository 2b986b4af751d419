package io.solstice.online.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.arrow.ArrowBatch;
import io.solstice.core.NamedArrays;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.online.linear.LinearOptions;
import io.solstice.online.linear.OnlineLogisticRegression;
import io.solstice.online.streams.ConceptDrift;
import io.solstice.online.streams.DriftingStreams;
import io.solstice.online.streams.HyperplaneGenerator;
import io.solstice.online.streams.SeaGenerator;
import io.solstice.reactive.Solstice;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;

/**
 * {@link Resettable} and {@link Reaction#reset()}: a reset brings back the kept state exactly, for
 * an MLP (which updates its buffers in place and is not {@code Adaptable}) as for the online
 * logistic regression, through the engine too, and the kept state travels in checkpoints.
 */
class ResettableTest {

  private static TensorBatch batch(long seed) {
    org.nd4j.linalg.api.rng.Random random = Nd4j.getRandomFactory().getNewRandomInstance(seed);
    return TensorBatch.of(Nd4j.rand(random, 32, 4), Nd4j.createFromArray(new long[32]).addi(seed % 2));
  }

  private static MlpClassifier mlp() {
    return MlpClassifier.builder().inputs(4).hidden(8).classes(2).updater(new Adam(0.05)).seed(7).build();
  }

  @Test
  void aResetBringsAnMlpBackToItsInitialStateAndKeepMovesThatPoint() {
    Resettable<MlpClassifier, TensorBatch, ClassificationMetrics> model = Resettable.of(mlp());
    NamedArrays initial = model.current().state().copy();
    for (int i = 0; i < 5; i++) {
      model.trainStep(batch(i));
    }
    NamedArrays trained = model.current().state().copy();
    assertThat(trained).isNotEqualTo(initial);

    model.reset();
    assertThat(model.current().state()).isEqualTo(initial);
    assertThat(model.resets()).isEqualTo(1);

    model.trainStep(batch(9));
    model.keep();
    NamedArrays kept = model.current().state().copy();
    model.trainStep(batch(10));
    model.trainStep(batch(11));
    assertThat(model.current().state()).isNotEqualTo(kept);
    model.reset();
    assertThat(model.current().state()).isEqualTo(kept);
    // The kept state serves every later reset: training after a reset does not change it.
    model.trainStep(batch(12));
    model.reset();
    assertThat(model.current().state()).isEqualTo(kept);
  }

  @Test
  void theKeptStateTravelsInTheStateSoARestoredModelResetsToTheSamePoint() {
    Resettable<MlpClassifier, TensorBatch, ClassificationMetrics> model = Resettable.of(mlp());
    NamedArrays initial = model.current().state().copy();
    model.trainStep(batch(1));
    NamedArrays state = model.state().copy();
    assertThat(state.scope("kept")).isEqualTo(initial);
    assertThat(state.scope("model")).isEqualTo(model.current().state());

    Resettable<MlpClassifier, TensorBatch, ClassificationMetrics> restored = model.withState(state);
    assertThat(restored.current().state()).isEqualTo(model.current().state());
    restored.reset();
    assertThat(restored.current().state()).isEqualTo(initial);
    assertThatThrownBy(() -> model.withState(model.current().state()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kept/");
  }

  @Test
  void forgetAndBoostNeedAnAdaptableModel() {
    Resettable<MlpClassifier, TensorBatch, ClassificationMetrics> mlp = Resettable.of(mlp());
    assertThatThrownBy(mlp::forget).isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("MlpClassifier is not");

    Resettable<OnlineLogisticRegression, ArrowBatch, ClassificationMetrics> logistic =
        Resettable.of(new OnlineLogisticRegression(3, 2, LinearOptions.defaults()));
    try (BufferAllocator allocator = new RootAllocator()) {
      Solstice.run(logistic).train(DriftingStreams.arrow(() -> SeaGenerator.of(1, 7), 100, allocator).take(5)).block();
    }
    assertThat(logistic.current().state().get("W").sumNumber().doubleValue()).isNotZero();
    logistic.forget();
    assertThat(logistic.current().state().get("W").sumNumber().doubleValue()).isZero();
  }

  @Test
  void reactingWithResetThroughTheEngineResetsOncePerDriftStep() {
    try (BufferAllocator allocator = new RootAllocator()) {
      Resettable<OnlineLogisticRegression, ArrowBatch, ClassificationMetrics> model = Resettable.of(
          new OnlineLogisticRegression(10, 2, LinearOptions.defaults().withUpdater(new AdaGrad(0.1))));
      List<DriftSignal> drifts = new ArrayList<>();
      List<Long> rowsAfterReset = new ArrayList<>();
      Reaction<Resettable<OnlineLogisticRegression, ArrowBatch, ClassificationMetrics>> record =
          Reaction.alert(drifts::add);
      DriftReaction<Resettable<OnlineLogisticRegression, ArrowBatch, ClassificationMetrics>, ClassificationMetrics>
          reactions = DriftReaction.of(new Adwin(), step -> step.experiment().current().lastRowErrors(),
              record.andThen(Reaction.reset()).andThen((signal, m) -> rowsAfterReset.add(m.current().rowsLearned())));
      Solstice.run(model)
          .train(DriftingStreams.arrow(() -> new ConceptDrift(
                  new HyperplaneGenerator(10, 0, 0, 5, 10, 1),
                  new HyperplaneGenerator(10, 0, 0, 5, 10, 2), 20_000, 1, 3), 100, allocator)
              .take(400))
          .subscribers(reactions)
          .block();

      assertThat(drifts).isNotEmpty();
      assertThat(drifts.get(0).position()).isBetween(20_000L, 22_000L);
      assertThat(model.resets()).isEqualTo(drifts.size()).isEqualTo(reactions.drifts());
      // The reset model is the initial one: it has learned nothing when the reaction returns.
      assertThat(rowsAfterReset).containsOnly(0L);
    }
  }
}
