package io.solstice.core.nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.solstice.core.NamedArrays;
import io.solstice.core.models.MlpClassifier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.AdaDelta;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

class OptimizerTest {

  private static Parameters twoParameters() {
    return Parameters.builder()
        .dataType(DataType.DOUBLE)
        .seed(3)
        .weight("W", Initializer.xavierUniform(), 3, 2)
        .bias("b", Initializer.zeros(), 1, 2)
        .build();
  }

  /** A deterministic gradient that depends on the current parameters: the gradient of |p|^2/2. */
  private static void writeGradient(Parameters params) {
    params.gradients().assign(params.values()).addi(0.1);
  }

  @Test
  void onlyAdamWithNothingBetweenGradientAndUpdateMakesTilesInsideTheUpdate() {
    assertThat(Optimizer.builder(new Adam(1e-3)).build(twoParameters()).updatesTiles()).isTrue();
    assertThat(Optimizer.builder(new Adam(1e-3)).clipping(GradientClipping.none()).build(twoParameters())
        .updatesTiles()).isTrue();
    assertThat(Optimizer.builder(new Adam(1e-3)).clipping(GradientClipping.byNorm(1.0)).build(twoParameters())
        .updatesTiles()).as("clipping needs the whole gradient").isFalse();
    assertThat(Optimizer.builder(new Adam(1e-3)).weightDecay(1e-2).build(twoParameters()).updatesTiles())
        .as("weight decay").isFalse();
    assertThat(Optimizer.builder(new Sgd(0.1)).build(twoParameters()).updatesTiles()).as("ND4J's updater")
        .isFalse();
  }

  /**
   * Where the tiles cannot be made inside the update, {@code step(tiles)} makes them all first:
   * the same parameters as writing the gradient and stepping, for every kind of optimizer.
   */
  @Test
  void aStepWithTilesIsTheStepOfTheWholeGradientForEveryOptimizer() {
    for (Optimizer.Builder builder : new Optimizer.Builder[] {Optimizer.builder(new Adam(0.05)),
        Optimizer.builder(new Adam(0.05)).clipping(GradientClipping.byNorm(0.5)),
        Optimizer.builder(new Adam(0.05)).weightDecay(0.1), Optimizer.builder(new Nesterovs(0.05, 0.9))}) {
      Parameters whole = twoParameters();
      Parameters tiled = twoParameters();
      Optimizer wholeOptimizer = builder.build(whole);
      Optimizer tiledOptimizer = builder.build(tiled);
      for (int step = 0; step < 3; step++) {
        writeGradient(whole);
        wholeOptimizer.step();
        // The weight's gradient (values 0 to 5) in tiles of two values; the bias's written before.
        INDArray gradient = tiled.values().dup().addi(0.1);
        tiled.gradients().assign(Double.NaN);
        tiled.gradients().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(6, 8))
            .assign(gradient.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(6, 8)));
        tiledOptimizer.step(new GradientTiles() {
          @Override
          public int count() {
            return 3;
          }

          @Override
          public int start(int tile) {
            return 2 * tile;
          }

          @Override
          public int end(int tile) {
            return 2 * tile + 2;
          }

          @Override
          public void make(int tile) {
            for (int i = start(tile); i < end(tile); i++) {
              tiled.gradients().putScalar(i, gradient.getDouble(i));
            }
          }
        });

        assertThat(tiled.values().data().asDouble()).as("%s, step %d", wholeOptimizer, step)
            .isEqualTo(whole.values().data().asDouble());
      }
      assertThat(tiledOptimizer.iteration()).isEqualTo(3);
    }
  }

  @Test
  void sgdMovesEachParameterAgainstItsGradientScaledByTheRate() {
    Parameters params = twoParameters();
    INDArray before = params.values().dup();
    Optimizer sgd = Optimizer.builder(new Sgd(0.5)).build(params);
    params.gradients().assign(2.0);

    sgd.step();

    assertThat(params.values().equalsWithEps(before.sub(1.0), 1e-12)).isTrue();
    assertThat(sgd.iteration()).isEqualTo(1);
  }

  @Test
  void adamFirstStepMovesEveryParameterByTheLearningRate() {
    // Adam's bias-corrected first step is lr * g / (|g| + eps): lr in the gradient's sign.
    Parameters params = twoParameters();
    INDArray before = params.values().dup();
    Optimizer adam = Optimizer.builder(new Adam(0.01)).build(params);
    params.gradients().assign(Nd4j.createFromArray(3.0, -2.0, 0.5, 7.0, -1.0, 4.0, -0.3, 9.0));

    adam.step();

    INDArray moved = before.sub(params.values());
    assertThat(moved.toDoubleVector())
        .containsExactly(new double[] {0.01, -0.01, 0.01, 0.01, -0.01, 0.01, -0.01, 0.01},
            offset(1e-6));
  }

  @Test
  void stepScheduleChangesTheLearningRateAtItsBoundaries() {
    Parameters params = twoParameters();
    Optimizer sgd =
        Optimizer.builder(new Sgd(123))
            .schedule(new StepSchedule(ScheduleType.ITERATION, 0.1, 0.5, 2))
            .build(params);
    double[] rates = new double[5];
    for (int i = 0; i < rates.length; i++) {
      rates[i] = sgd.learningRate();
      params.gradients().assign(1.0);
      INDArray before = params.values().dup();
      sgd.step();
      assertThat(before.sub(params.values()).getDouble(0)).isCloseTo(rates[i], offset(1e-12));
    }
    assertThat(rates).containsExactly(new double[] {0.1, 0.1, 0.05, 0.05, 0.025}, offset(1e-12));
  }

  @Test
  void epochSchedulesFollowTheEpochTheCallerSets() {
    Parameters params = twoParameters();
    Optimizer adam =
        Optimizer.builder(new Adam(1))
            .schedule(new MapSchedule(ScheduleType.EPOCH, java.util.Map.of(0, 1e-2, 3, 1e-3)))
            .build(params);

    assertThat(adam.learningRate()).isEqualTo(1e-2);
    adam.setEpoch(3);
    assertThat(adam.learningRate()).isEqualTo(1e-3);
    assertThatThrownBy(() -> adam.setEpoch(-1)).hasMessageContaining("epoch");
  }

  @Test
  void schedulingAnUpdaterWithoutLearningRateIsRefused() {
    assertThatThrownBy(
            () ->
                Optimizer.builder(new AdaDelta())
                    .schedule(new ExponentialSchedule(ScheduleType.ITERATION, 0.1, 0.9)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AdaDelta");
  }

  @Test
  void weightDecayWithAnUpdaterWithoutLearningRateIsRefusedRatherThanMakingTheWeightsNan() {
    assertThatThrownBy(() -> Optimizer.builder(new AdaDelta()).weightDecay(1e-4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight decay scales with the learning rate, and AdaDelta has none");
    assertThatThrownBy(() -> MlpClassifier.builder().inputs(4).classes(2).updater(new AdaDelta()).weightDecay(1e-4)
            .build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AdaDelta has none");
    // Decay not scaled by the learning rate needs none.
    assertThat(Optimizer.builder(new AdaDelta()).regularization(new WeightDecay(1e-4, false))).isNotNull();
  }

  @Test
  void weightDecayShrinksWeightsButNotBiases() {
    Parameters params = twoParameters();
    params.get("b").assign(1.0);
    INDArray weights = params.get("W").dup();
    Optimizer decayed = Optimizer.builder(new Sgd(0.1)).weightDecay(0.5).build(params);
    params.gradients().assign(0.0);

    decayed.step();

    // Zero gradient: weights move by -lr * coefficient * w, biases stay.
    assertThat(params.get("W").equalsWithEps(weights.mul(1 - 0.1 * 0.5), 1e-12)).isTrue();
    assertThat(params.get("b").toDoubleVector()).containsExactly(1.0, 1.0);
  }

  @Test
  void adamWithWeightDecayIsAdamWTheDecayDecoupledFromTheMoments() {
    // AdamW (Loshchilov and Hutter): w <- w - adamStep(g) - lr * decay * w, moments untouched.
    Parameters plain = twoParameters();
    Parameters decayed = twoParameters();
    INDArray weightsBefore = decayed.get("W").dup();
    Optimizer adam = Optimizer.builder(new Adam(0.01)).build(plain);
    Optimizer adamW = Optimizer.builder(new Adam(0.01)).weightDecay(0.1).build(decayed);
    plain.gradients().assign(0.5);
    decayed.gradients().assign(0.5);

    adam.step();
    adamW.step();

    INDArray extra = plain.get("W").sub(decayed.get("W"));
    assertThat(extra.equalsWithEps(weightsBefore.mul(0.01 * 0.1), 1e-12)).isTrue();
    assertThat(decayed.get("b")).isEqualTo(plain.get("b"));
    assertThat(adamW.state().get("updater/W/M")).isEqualTo(adam.state().get("updater/W/M"));
  }

  @Test
  void stateNamesEachUpdaterVariablePerParameterWithTheParameterShape() {
    Optimizer adam = Optimizer.builder(new Adam(1e-3)).build(twoParameters());
    Optimizer sgd = Optimizer.builder(new Sgd(1e-3)).build(twoParameters());

    assertThat(adam.state().names())
        .containsExactly("updater/W/M", "updater/W/V", "updater/b/M", "updater/b/V",
            "updater/iteration", "updater/epoch");
    assertThat(adam.state().get("updater/W/V").shape()).containsExactly(3, 2);
    assertThat(sgd.state().names()).containsExactly("updater/iteration", "updater/epoch");
  }

  @Test
  void restoredStateContinuesBitIdenticallyForStatefulUpdaters() {
    for (IUpdater updater : new IUpdater[] {new Adam(1e-2), new Nesterovs(0.1, 0.9)}) {
      Parameters params = twoParameters();
      Optimizer original = Optimizer.builder(updater).build(params);
      for (int i = 0; i < 3; i++) {
        writeGradient(params);
        original.step();
      }
      NamedArrays savedParams = params.asNamedArrays().copy();
      NamedArrays savedState = original.state().copy();

      Parameters otherParams = twoParameters().copy();
      otherParams.load(savedParams);
      Optimizer restored = original.forParameters(otherParams);
      restored.loadState(savedState);
      assertThat(restored.state()).isEqualTo(savedState);

      for (int i = 0; i < 2; i++) {
        writeGradient(params);
        original.step();
        writeGradient(otherParams);
        restored.step();
      }
      assertThat(otherParams.asNamedArrays()).as("%s", updater).isEqualTo(params.asNamedArrays());
      assertThat(restored.state()).isEqualTo(original.state());
      assertThat(original.state()).isNotEqualTo(savedState);
    }
  }

  @Test
  void freshStateInsteadOfTheSavedOneGivesADifferentContinuation() {
    Parameters params = twoParameters();
    Optimizer original = Optimizer.builder(new Adam(1e-2)).build(params);
    for (int i = 0; i < 3; i++) {
      writeGradient(params);
      original.step();
    }
    Parameters otherParams = params.copy();
    Optimizer fresh = original.forParameters(otherParams);

    writeGradient(params);
    original.step();
    writeGradient(otherParams);
    fresh.step();

    assertThat(otherParams.asNamedArrays()).isNotEqualTo(params.asNamedArrays());
  }

  @Test
  void loadingAStateOfAnotherLayoutNamesTheMissingArray() {
    Optimizer adam = Optimizer.builder(new Adam(1e-3)).build(twoParameters());
    Parameters other =
        Parameters.builder().weight("V", Initializer.zeros(), 2).build();
    Optimizer otherAdam = Optimizer.builder(new Adam(1e-3)).build(other);

    assertThatThrownBy(() -> adam.loadState(otherAdam.state()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("updater/W/M");
  }
}
