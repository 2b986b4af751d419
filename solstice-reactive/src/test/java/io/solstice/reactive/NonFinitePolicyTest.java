package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.Callback;
import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.NonFiniteFeaturesException;
import io.solstice.core.RefusesNonFiniteFeatures;
import io.solstice.core.RunOutcome;
import io.solstice.core.Step;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.core.metrics.Metrics;
import io.solstice.core.metrics.RegressionMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.core.models.MlpRegressor;
import io.solstice.reactive.fixtures.EventLog;
import io.solstice.reactive.fixtures.OneFeatureRegression;
import io.solstice.reactive.fixtures.TrackedTensorBatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.learning.config.Sgd;
import reactor.core.publisher.Flux;
import reactor.util.function.Tuple2;

/**
 * The non-finite policy: NaN or infinity in a {@code TensorBatch}'s features is caught before
 * the step (or inside it, by an experiment that refuses such features itself, as the built-in
 * models do), a non-finite loss after it; FAIL (the default) fails naming the mode, epoch and
 * step, SKIP_BATCH drops the batch and counts it, STOP ends the run early.
 */
class NonFinitePolicyTest {

  // A failed run ends promptly; the bound only turns a run that hangs into a failure.
  private static final Duration WITHIN = Duration.ofSeconds(20);

  private final AtomicLong created = new AtomicLong();
  private final AtomicLong closes = new AtomicLong();

  /** Eight batches of y = 3x - 2; those at the given positions have a NaN or Inf feature. */
  private Flux<TensorBatch> batches(Set<Integer> poisoned, double poison) {
    return Flux.range(0, 8).map(i -> {
      double[] x = {0.1 * i, -0.2, 0.5, 0.9};
      if (poisoned.contains(i)) {
        x[2] = poison;
      }
      double[] y = new double[x.length];
      for (int r = 0; r < x.length; r++) {
        y[r] = 3 * x[r] - 2;
      }
      created.incrementAndGet();
      return new TrackedTensorBatch(Nd4j.create(x, new long[] {4, 1}, DataType.DOUBLE),
          Nd4j.create(y, new long[] {4, 1}, DataType.DOUBLE), closes);
    });
  }

  @Test
  void byDefaultNanFeaturesFailTheRunNamingModeEpochAndStepBeforeTheExperimentSeesThem() {
    OneFeatureRegression model = new OneFeatureRegression(0.1);
    long[] openWhenTheErrorArrived = {-1};

    assertThatThrownBy(() -> Solstice.run(model).train(batches(Set.of(3), Double.NaN))
            .experiment()
            .doOnError(error -> openWhenTheErrorArrived[0] = created.get() - closes.get())
            .block(WITHIN))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("TRAIN failed in epoch 0 at train step 3")
        .cause().isInstanceOf(NonFiniteException.class)
        .hasMessageContaining("features (NaN)")
        .hasMessageContaining("policy FAIL")
        .satisfies(e -> assertThat(((NonFiniteException) e).inFeatures()).isTrue());
    assertThat(Double.isFinite(model.weight())).isTrue();
    // Termination is quiescent: by the time the error is signalled every batch is closed.
    assertThat(openWhenTheErrorArrived[0]).as("batches open when the error arrived").isZero();
    assertThat(closes.get()).as("every batch read (some prefetched) closed once")
        .isEqualTo(created.get()).isGreaterThanOrEqualTo(4);
  }

  @Test
  void skipBatchDropsPoisonedFeaturesCountsThemAndKeepsNumberingAndPositionConsistent() {
    OneFeatureRegression model = new OneFeatureRegression(0.1);
    List<TrainingEvent.StepEnded<OneFeatureRegression, MeanMetric>> results = Solstice.run(model)
        .train(batches(Set.of(2, 5), Double.POSITIVE_INFINITY))
        .nonFinite(NonFinitePolicy.SKIP_BATCH)
        .steps().collectList().block();

    assertThat(results).extracting(TrainingEvent.StepEnded::globalStep)
        .containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    assertThat(results).extracting(TrainingEvent.StepEnded::skippedBatches)
        .containsExactly(0L, 0L, 1L, 1L, 2L, 2L);
    // The position counts skipped batches as consumed, so a resumed run does not reread them.
    assertThat(results.get(5).position().batchesIntoEpoch()).isEqualTo(8);
    assertThat(results.get(5).position().trainSteps()).isEqualTo(6);
    assertThat(Double.isFinite(model.weight())).isTrue();
    assertThat(closes.get()).isEqualTo(8);
  }

  @Test
  void skippedBatchesRunNoHooks() {
    List<String> hooks = new ArrayList<>();
    Callback<OneFeatureRegression, TensorBatch, MeanMetric> recorder = new Callback<>() {
      @Override
      public void onStepStart(OneFeatureRegression e, long step, Mode mode, TensorBatch b) {
        hooks.add("start " + step);
      }

      @Override
      public void onStepEnd(MeanMetric o, OneFeatureRegression e, long step, Mode mode, TensorBatch b) {
        hooks.add("end " + step);
      }
    };
    Solstice.run(new OneFeatureRegression(0.1))
        .train(batches(Set.of(0, 1, 2, 3, 4, 5, 6), Double.NaN))
        .nonFinite(NonFinitePolicy.SKIP_BATCH)
        .callbacks(recorder)
        .block();

    assertThat(hooks).containsExactly("start 0", "end 0");
  }

  @Test
  void stopEndsTheRunEarlyWithTheNonFiniteFindingAsReason() {
    RunOutcome[] outcome = new RunOutcome[1];
    Callback<OneFeatureRegression, TensorBatch, MeanMetric> end = new Callback<>() {
      @Override
      public void onRunEnd(OneFeatureRegression e, RunOutcome o) {
        outcome[0] = o;
      }
    };
    List<TrainingEvent.StepEnded<OneFeatureRegression, MeanMetric>> results =
        Solstice.run(new OneFeatureRegression(0.1)).train(batches(Set.of(4), Double.NaN)).epochs(2)
            .nonFinite(NonFinitePolicy.STOP)
            .callbacks(end)
            .steps().collectList().block();

    assertThat(results).hasSize(4);
    assertThat(outcome[0].status()).isEqualTo(RunOutcome.Status.STOPPED_EARLY);
    assertThat(outcome[0].cause()).isInstanceOf(NonFiniteException.class)
        .hasMessageContaining("TRAIN epoch 0 at train step 4")
        .hasMessageContaining("policy STOP");
    assertThat(closes.get()).isEqualTo(8);
  }

  // ---- a loss that becomes infinite ----

  /** Diverges: a learning rate this large sends the in-place linear model's loss to infinity. */
  private static OneFeatureRegression diverging() {
    return new OneFeatureRegression(1e3);
  }

  private Flux<TensorBatch> clean() {
    return batches(Set.of(), 0).repeat(40);
  }

  @Test
  void aLossThatBecomesInfiniteFailsByDefaultNamingTheStep() {
    assertThatThrownBy(() -> Solstice.run(diverging()).train(clean()).experiment().block(WITHIN))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("TRAIN failed in epoch 0 at train step")
        .cause().isInstanceOf(NonFiniteException.class)
        .hasMessageContaining("loss (mse = ");
  }

  @Test
  void aLossThatBecomesInfiniteStopsTheRunUnderStop() {
    List<TrainingEvent.StepEnded<OneFeatureRegression, MeanMetric>> results =
        Solstice.run(diverging()).train(clean()).nonFinite(NonFinitePolicy.STOP)
            .steps().collectList().block();

    assertThat(results).isNotEmpty().allSatisfy(
        r -> assertThat(Double.isFinite(r.outputs().mean())).isTrue());
    assertThat(results.size()).isLessThan(8 * 41);
  }

  @Test
  void anInPlaceExperimentCannotSkipAnInfiniteLossAfterTheFactAndFailsSayingWhy() {
    assertThatThrownBy(() -> Solstice.run(diverging()).train(clean())
            .nonFinite(NonFinitePolicy.SKIP_BATCH).experiment().block(WITHIN))
        .isInstanceOf(TrainingException.class)
        .cause().isInstanceOf(NonFiniteException.class)
        .hasMessageContaining("updated its arrays in place")
        .hasMessageContaining("policy SKIP_BATCH")
        .satisfies(e -> {
          // The parts a caller reads: what held the value, without the note on the step.
          NonFiniteException nonFinite = (NonFiniteException) e;
          assertThat(nonFinite.what()).startsWith("loss (").doesNotContain("in place");
          assertThat(nonFinite.inFeatures()).isFalse();
        });
  }

  /** A functional experiment: a new instance per step; its loss is the batch value. */
  record Accumulator(double total) implements Experiment<Accumulator, Double, LossMetrics> {
    @Override
    public Step<Accumulator, LossMetrics> trainStep(Double batch) {
      return Step.of(new Accumulator(total + batch), new LossMetrics(batch));
    }

    @Override
    public Step<Accumulator, LossMetrics> evalStep(Double batch) {
      return Step.of(this, new LossMetrics(batch));
    }
  }

  /** Metrics with a "loss" entry among others. */
  record LossMetrics(double loss) implements Metrics<LossMetrics> {
    @Override
    public LossMetrics merge(LossMetrics other) {
      return new LossMetrics(loss + other.loss);
    }

    @Override
    public LossMetrics empty() {
      return new LossMetrics(0);
    }

    @Override
    public Map<String, Double> compute() {
      return Map.of("loss", loss, "other", 1.0);
    }
  }

  @Test
  void aFunctionalExperimentSkipsAStepWithAnInfiniteLossAndKeepsThePreviousExperiment() {
    Flux<Double> values = Flux.just(1.0, 2.0, Double.POSITIVE_INFINITY, 4.0, Double.NaN, 8.0);
    List<TrainingEvent.StepEnded<Accumulator, LossMetrics>> results =
        Solstice.run(new Accumulator(0)).train(values).nonFinite(NonFinitePolicy.SKIP_BATCH)
            .steps().collectList().block();

    assertThat(results).extracting(r -> r.experiment().total())
        .containsExactly(1.0, 3.0, 7.0, 15.0);
    assertThat(results.get(3).skippedBatches()).isEqualTo(2);
  }

  @Test
  void aStepRefusedForItsLossIsEmittedStartedAndNeverEndedAsItsSubscribersSawIt() {
    EventLog seen = new EventLog();
    Flux<Double> values = Flux.just(1.0, 2.0, Double.POSITIVE_INFINITY, 4.0, Double.NaN, 8.0);

    List<String> emitted = Solstice.run(new Accumulator(0)).train(values).nonFinite(NonFinitePolicy.SKIP_BATCH)
        .subscribers(seen).events().map(EventLog::describe)
        .filter(line -> line.startsWith("Step")).collectList().block(WITHIN);

    // The refused steps (the infinite and the NaN loss) take no number: the next step reuses it.
    assertThat(emitted).containsExactly(
        "StepStarted(0,TRAIN)", "StepEnded(0,TRAIN)", "StepStarted(1,TRAIN)", "StepEnded(1,TRAIN)",
        "StepStarted(2,TRAIN)", "StepStarted(2,TRAIN)", "StepEnded(2,TRAIN)",
        "StepStarted(3,TRAIN)", "StepStarted(3,TRAIN)", "StepEnded(3,TRAIN)");
    assertThat(emitted).isEqualTo(seen.lines().stream().filter(line -> line.startsWith("Step")).toList());
  }

  @Test
  void aFunctionalExperimentsInfiniteLossFailsByDefaultWithTheStepNamed() {
    Flux<Double> values = Flux.just(1.0, 2.0, Double.NEGATIVE_INFINITY);

    assertThatThrownBy(() -> Solstice.run(new Accumulator(0)).train(values).experiment()
            .block(WITHIN))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("at train step 2")
        .cause().hasMessageContaining("loss (loss = -Infinity)");
  }

  @Test
  void aSkippedBatchLeavesNoTraceInThePrequentialEvaluation() {
    Flux<Double> values = Flux.just(1.0, 2.0, Double.POSITIVE_INFINITY, 4.0);

    List<TrainingEvent.StepEnded<Accumulator, LossMetrics>> results =
        Solstice.run(new Accumulator(0)).train(values).prequential(10, 1.0)
            .nonFinite(NonFinitePolicy.SKIP_BATCH).steps().collectList().block(WITHIN);

    // The skipped batch was evaluated before its step was refused; like its step, that
    // evaluation is dropped, or its infinite loss would stay in the cumulative and fading sums.
    assertThat(results).extracting(r -> r.prequential().batches()).containsExactly(1L, 2L, 3L);
    assertThat(results).extracting(r -> r.prequential().cumulative().loss())
        .containsExactly(1.0, 3.0, 7.0);
    assertThat(results.get(2).prequential().fading()).containsEntry("loss", 7.0 / 3);
  }

  @Test
  void validationBatchesFollowThePolicyToo() {
    Flux<Double> train = Flux.just(1.0, 2.0);
    Flux<Double> val = Flux.just(1.0, Double.NaN);

    assertThatThrownBy(() -> Solstice.run(new Accumulator(0)).train(train).validate(val)
            .experiment().block(WITHIN))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("VAL failed in epoch 0 at val step 1");
  }

  @Test
  void anEvalStepWithAnInfiniteLossIsSkippedUnderSkipBatchThoughItReturnsItsExperiment() {
    Flux<Double> train = Flux.just(1.0, 2.0);
    Flux<Double> val = Flux.just(1.0, Double.NaN, 3.0);

    List<TrainingEvent.StepEnded<Accumulator, LossMetrics>> steps =
        Solstice.run(new Accumulator(0)).train(train).validate(val)
            .nonFinite(NonFinitePolicy.SKIP_BATCH).steps().collectList().block(WITHIN);

    assertThat(steps).filteredOn(s -> s.mode() == Mode.VAL)
        .extracting(s -> s.outputs().loss()).containsExactly(1.0, 3.0);
    assertThat(steps.get(steps.size() - 1).skippedBatches()).isEqualTo(1);
    assertThat(steps.get(steps.size() - 1).experiment().total()).isEqualTo(3.0);
  }

  // ---- the built-in models: their loss reaches the policy ----

  /**
   * Plain SGD at this rate makes the built-in models' weights overflow within a few steps: the
   * classifier's logits become infinite (its loss NaN), the regressor's predictions too.
   */
  private static final double DIVERGING_RATE = 1e30;

  /** Twelve batches of 8 rows, 4 features in [-1, 1) and labels in [0, 3), from a fixed seed. */
  private static Flux<TensorBatch> mlpBatches(boolean classIndices) {
    return Flux.range(0, 12).map(i -> {
      Random random = new Random(7 + i);
      float[][] x = new float[8][4];
      float[] y = new float[8];
      for (int r = 0; r < 8; r++) {
        for (int c = 0; c < 4; c++) {
          x[r][c] = 2 * random.nextFloat() - 1;
        }
        y[r] = classIndices ? random.nextInt(3) : x[r][0] - 2 * x[r][1];
      }
      return TensorBatch.of(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
    });
  }

  private static MlpClassifier divergingClassifier() {
    return MlpClassifier.builder().inputs(4).hidden(8).classes(3)
        .updater(new Sgd(DIVERGING_RATE)).seed(3).build();
  }

  private static MlpRegressor divergingRegressor() {
    return MlpRegressor.builder().inputs(4).hidden(8)
        .updater(new Sgd(DIVERGING_RATE)).seed(3).build();
  }

  @Test
  void aDivergingMlpClassifierStopsEarlyUnderStopWithTheNonFiniteLossAsReason() {
    EventLog events = new EventLog();
    List<TrainingEvent.StepEnded<MlpClassifier, ClassificationMetrics>> results =
        Solstice.run(divergingClassifier()).train(mlpBatches(true)).epochs(3)
            .nonFinite(NonFinitePolicy.STOP).subscribers(events)
            .steps().collectList().block(WITHIN);

    assertStoppedEarlyOnItsLoss(events, "loss", results.size())
        // The classifier trains in place: the refused step's update is already in its arrays.
        .hasMessageContaining("updated its arrays in place");
    assertThat(results).as("the steps accepted before the loss went non-finite")
        .allSatisfy(r -> assertThat(r.outputs().lossSum()).isFinite());
  }

  /**
   * Checks that a run of 12 batches stopped early, after {@code accepted} steps (at least one,
   * fewer than the batches), with its non-finite loss under key {@code lossKey} as the reason;
   * returns the reason for further checks.
   */
  private static AbstractThrowableAssert<?, ? extends Throwable> assertStoppedEarlyOnItsLoss(
      EventLog events, String lossKey, int accepted) {
    assertThat(accepted).as("steps accepted before the loss went non-finite").isBetween(1, 11);
    RunOutcome outcome = events.runEnded().outcome();
    assertThat(outcome.status()).isEqualTo(RunOutcome.Status.STOPPED_EARLY);
    return assertThat(outcome.cause()).isInstanceOf(NonFiniteException.class)
        .hasMessageContaining("non-finite loss (" + lossKey + " = ")
        .hasMessageContaining("TRAIN epoch 0 at train step " + accepted)
        .hasMessageContaining("policy STOP");
  }

  @Test
  void aDivergingMlpClassifierFailsByDefaultWithANonFiniteExceptionNotAMetricsError() {
    assertThatThrownBy(() -> Solstice.run(divergingClassifier()).train(mlpBatches(true))
            .epochs(3).experiment().block(WITHIN))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("TRAIN failed in epoch 0 at train step")
        .cause().isInstanceOf(NonFiniteException.class)
        .hasMessageContaining("non-finite loss (loss = ")
        .hasMessageContaining("policy FAIL");
  }

  @Test
  void aDivergingMlpClassifierCannotSkipItsTrainStepAfterTheFactAndFailsSayingWhy() {
    assertThatThrownBy(() -> Solstice.run(divergingClassifier()).train(mlpBatches(true))
            .epochs(3).nonFinite(NonFinitePolicy.SKIP_BATCH).experiment().block(WITHIN))
        .isInstanceOf(TrainingException.class)
        .cause().isInstanceOf(NonFiniteException.class)
        .hasMessageContaining("updated its arrays in place")
        .hasMessageContaining("policy SKIP_BATCH")
        .satisfies(e -> {
          // The parts a caller reads: what held the value, without the note on the step.
          NonFiniteException nonFinite = (NonFiniteException) e;
          assertThat(nonFinite.what()).startsWith("loss (").doesNotContain("in place");
          assertThat(nonFinite.inFeatures()).isFalse();
        });
  }

  @Test
  void aDivergingMlpRegressorStopsEarlyUnderStopWithTheNonFiniteLossAsReason() {
    EventLog events = new EventLog();
    List<TrainingEvent.StepEnded<MlpRegressor, RegressionMetrics>> results =
        Solstice.run(divergingRegressor()).train(mlpBatches(false)).epochs(3)
            .nonFinite(NonFinitePolicy.STOP).subscribers(events)
            .steps().collectList().block(WITHIN);

    assertStoppedEarlyOnItsLoss(events, "mse", results.size());
    assertThat(results).as("the steps accepted before the loss went non-finite")
        .allSatisfy(r -> assertThat(r.outputs().compute().get("mse")).isFinite());
  }

  @Test
  void anMlpClassifiersEvalBatchWhoseInputsOverflowIsSkippedUnderSkipBatch() {
    MlpClassifier model = MlpClassifier.builder().inputs(4).hidden(8).classes(3).seed(3).build();
    // Finite features (so the feature check lets them through) large enough that the logits
    // overflow: the loss of this batch is not finite.
    float huge = Float.MAX_VALUE;
    TensorBatch overflowing = TensorBatch.of(
        Nd4j.createFromArray(new float[][] {{huge, huge, huge, huge}, {-huge, -huge, -huge, -huge}}),
        Nd4j.createFromArray(0f, 2f));
    assertThat(model.loss(overflowing.features(), overflowing.labels()))
        .as("precondition: the batch's loss overflows").matches(loss -> !Double.isFinite(loss));
    Flux<TensorBatch> val = Flux.concat(
        mlpBatches(true).take(1), Flux.just(overflowing), mlpBatches(true).skip(1).take(1));

    List<TrainingEvent.StepEnded<MlpClassifier, ClassificationMetrics>> steps =
        Solstice.run(model).train(mlpBatches(true).take(2)).validate(val)
            .nonFinite(NonFinitePolicy.SKIP_BATCH).steps().collectList().block(WITHIN);

    List<TrainingEvent.StepEnded<MlpClassifier, ClassificationMetrics>> valSteps =
        steps.stream().filter(s -> s.mode() == Mode.VAL).toList();
    assertThat(valSteps).extracting(TrainingEvent.StepEnded::globalStep).containsExactly(0L, 1L);
    assertThat(valSteps).allSatisfy(s -> assertThat(s.outputs().lossSum()).isFinite());
    assertThat(valSteps.get(1).skippedBatches()).isEqualTo(1);
  }

  // ---- experiments that refuse non-finite features themselves ----

  /** {@link #mlpBatches} with one value of batch {@code poisoned} replaced by {@code value}. */
  private static Flux<TensorBatch> mlpBatches(int poisoned, float value) {
    return mlpBatches(true).index().map(indexed -> {
      if (indexed.getT1() != poisoned) {
        return indexed.getT2();
      }
      INDArray features = indexed.getT2().features().dup();
      features.putScalar(5, 2, value);
      return TensorBatch.of(features, indexed.getT2().labels());
    });
  }

  private static Flux<TensorBatch> mlpBatchesWithout(int left) {
    return mlpBatches(true).index().filter(indexed -> indexed.getT1() != left).map(Tuple2::getT2);
  }

  private static MlpClassifier classifier() {
    return MlpClassifier.builder().inputs(4).hidden(8).classes(3).dropout(0.2).seed(3).build();
  }

  @Test
  void anMlpRefusesNanFeaturesInsideItsStepAndUnderSkipBatchEndsAsIfTheBatchHadNeverCome() {
    EventLog events = new EventLog();
    List<TrainingEvent.StepEnded<MlpClassifier, ClassificationMetrics>> results =
        Solstice.run(classifier()).train(mlpBatches(4, Float.NaN))
            .nonFinite(NonFinitePolicy.SKIP_BATCH).subscribers(events)
            .steps().collectList().block(WITHIN);
    MlpClassifier clean = Solstice.run(classifier()).train(mlpBatchesWithout(4)).experiment().block(WITHIN);

    assertThat(results).extracting(TrainingEvent.StepEnded::globalStep)
        .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(results.get(3).skippedBatches()).isZero();
    assertThat(results.get(4).skippedBatches()).isEqualTo(1);
    assertThat(results.get(10).position().batchesIntoEpoch()).isEqualTo(12);
    // Bit for bit the model of a run that never read the batch: its parameters, its optimizer's
    // moments and its dropout generator's counter.
    assertThat(results.get(10).experiment().state()).isEqualTo(clean.state());
    // Refused inside its step, so its StepStarted was delivered, and it has no StepEnded.
    assertThat(events.events()).filteredOn(e -> e instanceof TrainingEvent.StepStarted<?, ?>).hasSize(12);
    assertThat(events.events()).filteredOn(e -> e instanceof TrainingEvent.StepEnded<?, ?>).hasSize(11);
  }

  @Test
  void anMlpsRefusalFailsTheRunByDefaultAsAFeatureFindingNamingTheStep() {
    assertThatThrownBy(() -> Solstice.run(classifier()).train(mlpBatches(6, Float.NEGATIVE_INFINITY))
            .experiment().block(WITHIN))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("TRAIN failed in epoch 0 at train step 6")
        .cause().isInstanceOf(NonFiniteException.class)
        .hasMessageContaining("non-finite features (infinity)")
        .hasMessageContaining("policy FAIL")
        .satisfies(e -> assertThat(((NonFiniteException) e).inFeatures()).isTrue());
  }

  @Test
  void anMlpsRefusalInItsPrequentialEvaluationLeavesNoTrace() {
    List<TrainingEvent.StepEnded<MlpClassifier, ClassificationMetrics>> results =
        Solstice.run(classifier()).train(mlpBatches(4, Float.NaN)).prequential(5, 0.9)
            .nonFinite(NonFinitePolicy.SKIP_BATCH).steps().collectList().block(WITHIN);
    List<TrainingEvent.StepEnded<MlpClassifier, ClassificationMetrics>> clean =
        Solstice.run(classifier()).train(mlpBatchesWithout(4)).prequential(5, 0.9)
            .steps().collectList().block(WITHIN);

    // Refused by the row evaluation that comes before the step (test-then-train).
    PrequentialMetrics<ClassificationMetrics> last = results.get(10).prequential();
    PrequentialMetrics<ClassificationMetrics> cleanLast = clean.get(10).prequential();
    assertThat(last.batches()).isEqualTo(11);
    assertThat(last.cumulative().compute()).isEqualTo(cleanLast.cumulative().compute());
    assertThat(last.fading()).isEqualTo(cleanLast.fading());
  }

  @Test
  void theEngineLeavesTheFeaturesOfAnExperimentThatChecksThemItselfToIt() {
    SelfChecking experiment = new SelfChecking();
    List<TrainingEvent.StepEnded<SelfChecking, MeanMetric>> results = Solstice.run(experiment)
        .train(batches(Set.of(3), Double.NaN)).nonFinite(NonFinitePolicy.SKIP_BATCH)
        .steps().collectList().block(WITHIN);

    assertThat(experiment.finiteBatches).as("every batch reached the experiment, the poisoned one too")
        .containsExactly(true, true, true, false, true, true, true, true);
    assertThat(results).hasSize(7);
    assertThat(results.get(6).skippedBatches()).isEqualTo(1);
    assertThat(closes.get()).isEqualTo(8);
  }

  /** Refuses a batch with a NaN feature itself, and records which batches it was given. */
  private static final class SelfChecking
      implements Experiment<SelfChecking, TensorBatch, MeanMetric>, RefusesNonFiniteFeatures {
    final List<Boolean> finiteBatches = new ArrayList<>();

    @Override
    public Step<SelfChecking, MeanMetric> trainStep(TensorBatch batch) {
      boolean finite = !BooleanIndexing.or(batch.features(), Conditions.isNan());
      finiteBatches.add(finite);
      if (!finite) {
        throw new NonFiniteFeaturesException("NaN");
      }
      return Step.of(this, MeanMetric.of("loss", 1));
    }

    @Override
    public Step<SelfChecking, MeanMetric> evalStep(TensorBatch batch) {
      return trainStep(batch);
    }
  }
}
