package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.Callback;
import io.solstice.core.EarlyStoppingException;
import io.solstice.core.Mode;
import io.solstice.core.NamedArrays;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.core.testing.LinearRegression;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Early stopping on scripted sequences of validation losses, one value per val epoch. */
class EarlyStoppingTest {

  private static final List<LinearRegression.Batch> BATCHES = LinearRegression.batches(1, 4, 3);

  /**
   * Feeds one val epoch per value (two val steps each, whose merged mean is the value) and
   * returns the index of the epoch at which training stopped, or -1.
   */
  private static int stopEpoch(Callback<Object, Object, MeanMetric> callback, double... values) {
    long step = 0;
    for (int epoch = 0; epoch < values.length; epoch++) {
      try {
        callback.onEpochStart("exp", epoch, Mode.VAL);
        callback.onStepEnd(MeanMetric.of("loss", values[epoch] - 1), "exp", step++, Mode.VAL, null);
        callback.onStepEnd(MeanMetric.of("loss", values[epoch] + 1), "exp", step++, Mode.VAL, null);
        callback.onEpochEnd("exp", epoch, Mode.VAL);
      } catch (EarlyStoppingException stop) {
        return epoch;
      }
    }
    return -1;
  }

  private static EarlyStopping.Builder<Object, Object, MeanMetric> loss() {
    return EarlyStopping.monitor("loss");
  }

  @Test
  void stopsAfterPatienceEvaluationsWithoutImprovement() {
    EarlyStopping<Object, Object, MeanMetric> es = loss().patience(2).build();

    assertThat(stopEpoch(es, 1.0, 0.8, 0.9, 0.85, 0.7)).isEqualTo(3);
    assertThat(es.bestValue()).isEqualTo(0.8);
    assertThat(es.bestEpoch()).isEqualTo(1);
    assertThat(es.stopReason()).hasValueSatisfying(reason -> assertThat(reason)
        .contains("val loss did not improve on 0.800000")
        .contains("for 2 evaluation(s) (patience 2)"));
  }

  @Test
  void anImprovementResetsTheWait() {
    assertThat(stopEpoch(loss().patience(2).build(), 1.0, 1.1, 0.9, 1.0, 0.8, 0.85, 0.86)).isEqualTo(6);
  }

  @Test
  void improvementsSmallerThanMinDeltaDoNotCount() {
    EarlyStopping<Object, Object, MeanMetric> es = loss().patience(2).minDelta(0.05).build();

    assertThat(stopEpoch(es, 1.0, 0.97, 0.96, 0.5)).isEqualTo(2);
    assertThat(es.bestValue()).isEqualTo(1.0);
  }

  @Test
  void maximisingMonitorsLargerValues() {
    EarlyStopping<Object, Object, MeanMetric> es =
        loss().direction(Direction.MAX).patience(1).build();

    assertThat(stopEpoch(es, 0.5, 0.6, 0.7, 0.65)).isEqualTo(3);
    assertThat(es.bestValue()).isEqualTo(0.7);
  }

  @Test
  void stopsAtOnceOnNaNOrInfinity() {
    EarlyStopping<Object, Object, MeanMetric> nan = loss().patience(10).build();
    assertThat(stopEpoch(nan, 1.0, 0.9, Double.NaN, 0.1)).isEqualTo(2);
    assertThat(nan.stopReason()).hasValueSatisfying(r -> assertThat(r).contains("val loss is NaN at epoch 2"));

    assertThat(stopEpoch(loss().patience(10).build(), 1.0, Double.POSITIVE_INFINITY)).isEqualTo(1);
  }

  @Test
  void nonFiniteValuesOnlyCountAsNoImprovementWhenNaNStopIsOff() {
    assertThat(stopEpoch(loss().patience(2).stopOnNonFinite(false).build(), 1.0, Double.NaN, 0.9, Double.NaN, Double.NaN))
        .isEqualTo(4);
  }

  @Test
  void aBaselineMustBeBeatenBeforeAnythingCountsAsImprovement() {
    EarlyStopping<Object, Object, MeanMetric> es = loss().patience(3).baseline(0.5).build();

    assertThat(stopEpoch(es, 0.9, 0.8, 0.7, 0.4)).isEqualTo(2);
    assertThat(stopEpoch(loss().patience(3).baseline(0.5).build(), 0.9, 0.45, 0.6, 0.6, 0.6)).isEqualTo(4);
  }

  @Test
  void stopsAtOnceWhenTheMetricDivergesPastTheThreshold() {
    EarlyStopping<Object, Object, MeanMetric> es = loss().patience(10).divergenceThreshold(5).build();

    assertThat(stopEpoch(es, 1.0, 3.0, 5.0, 5.5, 0.1)).isEqualTo(3);
    assertThat(es.stopReason()).hasValueSatisfying(r -> assertThat(r).contains("divergence threshold 5.00000"));
  }

  @Test
  void stopsAsDoneWhenTheStoppingThresholdIsReached() {
    assertThat(stopEpoch(loss().patience(10).stoppingThreshold(0.2).build(), 1.0, 0.5, 0.2, 0.1)).isEqualTo(2);
  }

  @Test
  void evaluatesWindowsOfExactlyNStepsWhenAsked() {
    EarlyStopping<Object, Object, MeanMetric> es = loss().mode(Mode.TRAIN).everySteps(3).patience(1).build();
    double[] perStep = {3, 3, 3, 2, 2, 2, 2, 2, 5};
    int stoppedAt = -1;
    for (int step = 0; step < perStep.length && stoppedAt < 0; step++) {
      try {
        es.onStepEnd(MeanMetric.of("loss", perStep[step]), "exp", step, Mode.TRAIN, null);
      } catch (EarlyStoppingException e) {
        stoppedAt = step;
      }
    }
    // Windows: [3,3,3]=3, [2,2,2]=2, [2,2,5]=3 -> no improvement at the window ending at step 8.
    assertThat(stoppedAt).isEqualTo(8);
  }

  @Test
  void restoreBestGivesBackTheStateSnapshottedAtTheBestEvaluation() {
    EarlyStopping<LinearRegression, LinearRegression.Batch, MeanMetric> es =
        EarlyStopping.<LinearRegression, LinearRegression.Batch, MeanMetric>monitor("loss")
            .patience(2).restoreBest(true).build();
    LinearRegression exp = LinearRegression.create(5);
    double[] losses = {1.0, 0.6, 0.7, 0.8, 0.3};
    List<NamedArrays> stateAfterEpoch = new ArrayList<>();
    int stopped = -1;
    for (int epoch = 0; epoch < losses.length && stopped < 0; epoch++) {
      exp = exp.trainStep(BATCHES.get(0)).experiment(); // changes the arrays in place
      stateAfterEpoch.add(exp.state().copy());
      try {
        es.onEpochStart(exp, epoch, Mode.VAL);
        es.onStepEnd(MeanMetric.of("loss", losses[epoch]), exp, epoch, Mode.VAL, null);
        es.onEpochEnd(exp, epoch, Mode.VAL);
      } catch (EarlyStoppingException e) {
        stopped = epoch;
      }
    }

    LinearRegression best = es.restoreBest(exp);

    assertThat(stopped).isEqualTo(3);
    assertThat(best.state()).isEqualTo(stateAfterEpoch.get(1));
    assertThat(es.bestExperiment()).hasValueSatisfying(e -> assertThat(e.state()).isEqualTo(stateAfterEpoch.get(1)));
    assertThat(exp.state()).isEqualTo(stateAfterEpoch.get(3)).isNotEqualTo(stateAfterEpoch.get(1));
  }

  @Test
  void withoutRestoreBestThereIsNoBestExperimentAndRestoreBestIsTheIdentity() {
    EarlyStopping<LinearRegression, LinearRegression.Batch, MeanMetric> es =
        EarlyStopping.<LinearRegression, LinearRegression.Batch, MeanMetric>monitor("loss").build();
    LinearRegression exp = LinearRegression.create(5);
    es.onEpochStart(exp, 0, Mode.VAL);
    es.onStepEnd(MeanMetric.of("loss", 1.0), exp, 0, Mode.VAL, null);
    es.onEpochEnd(exp, 0, Mode.VAL);

    assertThat(es.bestExperiment()).isEmpty();
    assertThat(es.restoreBest(exp)).isSameAs(exp);
  }

  @Test
  void restoreBestRefusesAnExperimentThatIsNotCheckpointable() {
    EarlyStopping<Object, Object, MeanMetric> es = loss().restoreBest(true).build();

    assertThatThrownBy(() -> stopEpoch(es, 1.0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("implements Checkpointable");
  }

  @Test
  void aMissingKeyIsReportedWithTheKeysThatExist() {
    EarlyStopping<Object, Object, MeanMetric> es = EarlyStopping.<Object, Object, MeanMetric>monitor("accuracy").build();

    assertThatThrownBy(() -> stopEpoch(es, 1.0))
        .hasMessageContaining("monitors 'accuracy'")
        .hasMessageContaining("[loss]");
  }

  @Test
  void savedStateRestoredIntoANewInstanceContinuesThePatienceCount() {
    EarlyStopping<Object, Object, MeanMetric> first = loss().patience(3).build();
    assertThat(stopEpoch(first, 1.0, 0.5, 0.6, 0.7)).isEqualTo(-1);
    Map<String, Object> saved = first.saveState();

    EarlyStopping<Object, Object, MeanMetric> second = loss().patience(3).build();
    second.restoreState(saved);

    assertThat(second.waitCount()).isEqualTo(2);
    assertThat(stopEpoch(second, 0.55)).isZero();
  }

  @Test
  void theCriterionFormStopsWhenThePredicateHoldsForTheCollectedOutputs() {
    List<Integer> sizes = new ArrayList<>();
    Callback<Object, Object, MeanMetric> es =
        EarlyStopping.when(
            outs -> {
              sizes.add(outs.size());
              return outs.stream().map(m -> m.mean()).reduce(0.0, Double::sum) / outs.size() < 0.5;
            },
            2);

    // Each epoch has 2 val steps; keeping steps with even numbers keeps one per epoch.
    assertThat(stopEpoch(es, 2.0, 1.6, 1.4)).isEqualTo(2);
    assertThat(sizes).containsExactly(1, 1, 1);
  }
}
