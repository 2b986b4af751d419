package io.solstice.reactive.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.core.testing.OwnMetrics;
import io.solstice.core.testing.SavableOwnMetrics;
import io.solstice.reactive.Prequential;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@link RunTotals} saves and restores, beyond the resume tests of whole runs. */
class RunTotalsTest {

  private static final RunPosition INSIDE_EPOCH_2 = new RunPosition(2, 3, 23, 0);

  @Test
  void aPositionInsideAnEpochCarriesItsTrainMergeAndOneAtAnEpochsStartDoesNot() {
    RunTotals totals = new RunTotals(RunPosition.START, null);
    totals.startEpoch(Mode.TRAIN, 2);
    totals.add(Mode.TRAIN, MeanMetric.of("loss", 0.5));
    totals.add(Mode.TRAIN, MeanMetric.of("loss", 0.25));
    totals.add(Mode.VAL, MeanMetric.of("loss", 9));

    Map<String, Object> saved = totals.save(INSIDE_EPOCH_2);
    assertThat(saved).containsOnlyKeys("train");
    assertThat(totals.save(new RunPosition(3, 0, 23, 0))).isEmpty();

    RunTotals resumed = new RunTotals(INSIDE_EPOCH_2.withEngineState(saved), null);
    resumed.startEpoch(Mode.TRAIN, 2);
    resumed.add(Mode.TRAIN, MeanMetric.of("loss", 0.75));
    assertThat(resumed.steps(Mode.TRAIN)).isEqualTo(3);
    assertThat(resumed.merged(Mode.TRAIN)).isEqualTo(new MeanMetric("loss", 1.5, 3));
  }

  @Test
  void savedTrainTotalsOfAnotherEpochAreNotContinued() {
    RunTotals totals = new RunTotals(RunPosition.START, null);
    totals.startEpoch(Mode.TRAIN, 2);
    totals.add(Mode.TRAIN, MeanMetric.of("loss", 0.5));
    Map<String, Object> saved = totals.save(INSIDE_EPOCH_2);

    // A position of epoch 4 handed totals saved in epoch 2 (put together by hand).
    RunTotals resumed = new RunTotals(new RunPosition(4, 3, 43, 0, saved), null);
    resumed.startEpoch(Mode.TRAIN, 4);
    assertThat(resumed.steps(Mode.TRAIN)).isZero();
    assertThat(resumed.merged(Mode.TRAIN)).isNull();
  }

  @Test
  void metricsWithoutASavedFormAreNotCarriedAndTheRunGoesOn() {
    RunTotals totals = new RunTotals(RunPosition.START, new Prequential<OwnMetrics>(3, 0.9));
    totals.startEpoch(Mode.TRAIN, 2);
    totals.add(Mode.TRAIN, new OwnMetrics(1));
    totals.recordPrequential(new OwnMetrics(1), null);

    assertThat(totals.save(INSIDE_EPOCH_2)).isEmpty();
  }

  @Test
  void metricsOfTheUsersOwnTypeThatImplementSavableMetricsAreCarriedAndContinued() {
    RunTotals totals = new RunTotals(RunPosition.START, new Prequential<SavableOwnMetrics>(3, 0.9));
    totals.startEpoch(Mode.TRAIN, 2);
    totals.add(Mode.TRAIN, new SavableOwnMetrics(1.5, 1));
    totals.add(Mode.TRAIN, new SavableOwnMetrics(2.5, 1));
    totals.recordPrequential(new SavableOwnMetrics(4, 2), null);

    Map<String, Object> saved = totals.save(INSIDE_EPOCH_2);
    assertThat(saved).containsOnlyKeys("train", "prequential");
    RunTotals resumed = new RunTotals(INSIDE_EPOCH_2.withEngineState(saved),
        new Prequential<SavableOwnMetrics>(3, 0.9));
    resumed.startEpoch(Mode.TRAIN, 2);
    resumed.add(Mode.TRAIN, new SavableOwnMetrics(3, 1));

    assertThat(resumed.steps(Mode.TRAIN)).isEqualTo(3);
    assertThat(resumed.merged(Mode.TRAIN)).isEqualTo(new SavableOwnMetrics(7, 3));
  }

  @Test
  void outputsOfAnotherTypeThanTheRestoredMergeAreRefusedWithBothTypes() {
    RunTotals totals = new RunTotals(RunPosition.START, null);
    totals.startEpoch(Mode.TRAIN, 2);
    totals.add(Mode.TRAIN, MeanMetric.of("loss", 0.5));
    RunTotals resumed = new RunTotals(INSIDE_EPOCH_2.withEngineState(totals.save(INSIDE_EPOCH_2)), null);
    resumed.startEpoch(Mode.TRAIN, 2);

    ClassificationMetrics other = ClassificationMetrics.of(new int[] {1}, new int[] {1}, 0.1, 2);
    assertThatThrownBy(() -> resumed.add(Mode.TRAIN, other))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(ClassificationMetrics.class.getName())
        .hasMessageContaining(MeanMetric.class.getName());
  }
}
