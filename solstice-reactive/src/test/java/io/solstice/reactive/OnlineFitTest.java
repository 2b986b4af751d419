package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.RowEvaluation;
import io.solstice.core.RunOutcome;
import io.solstice.core.Step;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.fixtures.CountingBatch;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.OneFeatureRegression;
import io.solstice.reactive.fixtures.Recorder;
import io.solstice.reactive.fixtures.Sources;
import io.solstice.reactive.fixtures.StepSnapshots;
import io.solstice.reactive.fixtures.TrackedTensorBatch;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Online runs: the same {@link Run} over unbounded sources, with prequential evaluation and
 * cadence in steps.
 */
class OnlineFitTest {

  private static final int WINDOW = 20;
  private static final double ALPHA = 0.9;

  @Test
  void fitsAnUnboundedStreamWithPrequentialMetricsUntilTakeCancelsIt() throws Exception {
    AtomicLong created = new AtomicLong();
    AtomicLong closes = new AtomicLong();
    List<String> log = Recorder.newLog();
    Recorder recorder = Recorder.of("a", log);
    OneFeatureRegression model = new OneFeatureRegression(0.1);

    List<TrainingEvent.StepEnded<OneFeatureRegression, MeanMetric>> results = Solstice.run(model)
        .train(TrackedTensorBatch.line(42, 32, created, closes))
        .prequential(WINDOW, ALPHA)
        .callbacks(recorder)
        .steps()
        .take(300)
        .collectList()
        .block(Duration.ofSeconds(30));

    assertThat(results).hasSize(300);
    assertThat(results).extracting(TrainingEvent.StepEnded::globalStep)
        .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 300).boxed().toList());
    assertThat(results).allSatisfy(r -> assertThat(r.mode()).isEqualTo(Mode.TRAIN));
    List<MeanMetric> evaluated =
        results.stream().map(r -> r.prequential().evaluated()).toList();
    for (int i = 0; i < results.size(); i++) {
      PrequentialMetrics<MeanMetric> p = results.get(i).prequential();
      assertThat(p.batches()).isEqualTo(i + 1);
      assertThat(p.cumulative()).isEqualTo(merge(evaluated.subList(0, i + 1)));
      assertThat(p.window()).isEqualTo(merge(evaluated.subList(Math.max(0, i + 1 - WINDOW), i + 1)));
      assertThat(p.fading().get("mse"))
          .isCloseTo(fadingClosedForm(evaluated.subList(0, i + 1)), within(1e-9));
    }
    double firstLoss = evaluated.get(0).mean();
    double lastWindowLoss = results.get(299).prequential().window().mean();
    assertThat(lastWindowLoss).isLessThan(firstLoss / 100);
    assertThat(model.weight()).isCloseTo(3, within(0.05));
    assertThat(model.bias()).isCloseTo(-2, within(0.05));

    // take() cancelled the run, which does not wait; terminated() says when it has released
    // everything, and then nothing is left to wait for.
    results.get(0).run().terminated().block(Duration.ofSeconds(10));
    assertThat(recorder.outcome()).isEqualTo(RunOutcome.CANCELLED);
    assertThat(closes.get()).isEqualTo(created.get()).isGreaterThanOrEqualTo(300);
  }

  @Test
  void prequentialEvaluatesEachBatchBeforeTrainingOnIt() {
    List<TrainingEvent.StepEnded<Probe, MeanMetric>> results = Solstice.run(new Probe(0))
        .train(Sources.counting(new Ledger(), -1))
        .prequential(5, 1.0)
        .steps().take(10).collectList().block(Duration.ofSeconds(10));

    // The probe's evaluation reports how many train steps it had taken: batch i is evaluated
    // by the model trained on batches 0 .. i-1.
    assertThat(results).extracting(r -> r.prequential().evaluated().mean())
        .containsExactly(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0);
  }

  @Test
  void anExperimentThatEvaluatesRowByRowGivesEachRowsErrorFromThePredictionBeforeTheBatchTrains() {
    List<TrainingEvent.StepEnded<RowProbe, MeanMetric>> results = Solstice.run(new RowProbe(0))
        .train(Sources.counting(new Ledger(), -1))
        .prequential(5, 1.0)
        .steps().take(4).collectList().block(Duration.ofSeconds(10));

    // Batch i is predicted row by row by the model trained on batches 0 .. i-1, and its
    // evaluation outputs come from the same call (evalStep is never called).
    assertThat(results).extracting(r -> r.prequential().rowErrors())
        .containsExactly(new double[] {0, 0}, new double[] {1, 1}, new double[] {2, 2},
            new double[] {3, 3});
    assertThat(results).extracting(r -> r.prequential().evaluated().mean())
        .containsExactly(0.0, 1.0, 2.0, 3.0);
    assertThat(results).extracting(r -> r.experiment().trained()).containsExactly(1L, 2L, 3L, 4L);
  }

  @Test
  void withoutRowEvaluationThereAreNoRowErrors() {
    List<TrainingEvent.StepEnded<Probe, MeanMetric>> results = Solstice.run(new Probe(0))
        .train(Sources.counting(new Ledger(), -1))
        .prequential(5, 1.0)
        .steps().take(2).collectList().block(Duration.ofSeconds(10));

    assertThat(results).allSatisfy(r -> assertThat(r.prequential().rowErrors()).isNull());
  }

  @Test
  void prequentialEvaluationNeedsMetricsOutputsAndSaysSo() {
    record Plain(int n) implements Experiment<Plain, CountingBatch, String> {
      public Step<Plain, String> trainStep(CountingBatch b) {
        return Step.of(this, "trained");
      }

      public Step<Plain, String> evalStep(CountingBatch b) {
        return Step.of(this, "evaluated");
      }
    }

    reactor.test.StepVerifier.create(Solstice.run(new Plain(0))
            .train(Sources.counting(new Ledger(), 3))
            .prequential(5, 0.5)
            .steps())
        .expectErrorSatisfies(error -> assertThat(error)
            .isInstanceOf(TrainingException.class)
            .hasRootCauseMessage("prequential evaluation merges the outputs of evalStep, which "
                + "must implement Metrics, but evalStep returned java.lang.String; return a "
                + "Metrics from evalStep or turn prequential evaluation off"))
        .verify(Duration.ofSeconds(10));
  }

  @Test
  void validationAndCheckpointsRunAtTheirStepCadenceUntilTheSourceCompletes() {
    Ledger ledger = new Ledger();
    List<String> log = Recorder.newLog();
    Recorder recorder = Recorder.of("a", log);
    StepSnapshots<CountingExperiment> checkpoints = new StepSnapshots<>(3);

    List<TrainingEvent.StepEnded<CountingExperiment, MeanMetric>> results =
        Solstice.run(CountingExperiment.fresh())
            .train(Sources.counting(ledger, 10)).validate(Sources.counting(ledger, 2))
            .validateEverySteps(4)
            .callbacks(recorder).subscribers(checkpoints)
            .steps().collectList().block(Duration.ofSeconds(10));

    assertThat(results).extracting(r -> r.mode().label() + r.globalStep()).containsExactly(
        "train0", "train1", "train2", "train3", "val0", "val1",
        "train4", "train5", "train6", "train7", "val2", "val3", "train8", "train9");
    assertThat(checkpoints.saved())
        .extracting(saved -> saved.experiment().trained() + "@" + saved.position())
        .containsExactly(
            "3@RunPosition[epoch=0, batchesIntoEpoch=3, trainSteps=3, valSteps=0]",
            "6@RunPosition[epoch=0, batchesIntoEpoch=6, trainSteps=6, valSteps=2]",
            "9@RunPosition[epoch=0, batchesIntoEpoch=9, trainSteps=9, valSteps=4]");
    assertThat(log).first().isEqualTo("a:onEpochStart(0,TRAIN)");
    assertThat(log).endsWith("a:onEpochEnd(0,TRAIN)", "a:onRunEnd(COMPLETED)");
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  private static MeanMetric merge(List<MeanMetric> metrics) {
    return metrics.stream().reduce(MeanMetric.empty("mse"), MeanMetric::merge);
  }

  /** sum_k alpha^k v_{n-k} / sum_k alpha^k, written without the recursion. */
  private static double fadingClosedForm(List<MeanMetric> metrics) {
    double numerator = 0;
    double denominator = 0;
    int n = metrics.size();
    for (int k = 0; k < n; k++) {
      double weight = Math.pow(ALPHA, k);
      numerator += weight * metrics.get(n - 1 - k).mean();
      denominator += weight;
    }
    return numerator / denominator;
  }

  /** Evaluates row by row: two rows per batch, each with the train steps taken so far as error. */
  record RowProbe(long trained)
      implements Experiment<RowProbe, CountingBatch, MeanMetric>,
          RowEvaluation<CountingBatch, MeanMetric> {
    public Step<RowProbe, MeanMetric> trainStep(CountingBatch b) {
      return Step.of(new RowProbe(trained + 1), MeanMetric.of("trained", trained));
    }

    public Step<RowProbe, MeanMetric> evalStep(CountingBatch b) {
      throw new AssertionError("a row evaluation replaces evalStep in prequential evaluation");
    }

    public Rows<MeanMetric> evaluateRows(CountingBatch b) {
      return new Rows<>(MeanMetric.of("trained", trained), new double[] {trained, trained});
    }
  }

  /** Evaluation reports the number of train steps taken so far. */
  record Probe(long trained) implements Experiment<Probe, CountingBatch, MeanMetric> {
    public Step<Probe, MeanMetric> trainStep(CountingBatch b) {
      return Step.of(new Probe(trained + 1), MeanMetric.of("trained", trained));
    }

    public Step<Probe, MeanMetric> evalStep(CountingBatch b) {
      return Step.of(this, MeanMetric.of("trained", trained));
    }
  }
}
