package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.core.Step;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.Run;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingException;
import io.solstice.reactive.fixtures.CountingBatch;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.LogCapture;
import io.solstice.reactive.fixtures.Sources;
import io.solstice.reactive.fixtures.StopAt;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Logging windows cover exactly N steps; epoch summaries cover exactly the epoch. Real runs: the
 * experiment's output is the batch id ("id"), and each source's ids count its batches across
 * epochs, so an id is the step's number in its mode and a merged mean tells which steps a window
 * covered.
 */
class LoggingCallbackTest {

  record Logged(Map<String, Double> values, long number, Mode mode) {}

  private final List<Logged> logged = new CopyOnWriteArrayList<>();
  private final List<LoggedMetrics> rows = new CopyOnWriteArrayList<>();
  private final Ledger trainLedger = new Ledger();
  private final Ledger valLedger = new Ledger();

  private LoggingCallback collecting(LoggingCallback.Builder builder) {
    return builder.to(row -> {
      rows.add(row);
      long number = row.kind() == LoggedMetrics.Kind.EPOCH ? row.epoch() : row.step();
      logged.add(new Logged(row.values(), number, row.mode()));
    }).build();
  }

  private Run<CountingExperiment, CountingBatch, MeanMetric> run(
      int epochs, int trainBatches, int valBatches) {
    Run<CountingExperiment, CountingBatch, MeanMetric> run = Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(trainLedger, trainBatches)).epochs(epochs);
    return valBatches == 0 ? run : run.validate(Sources.counting(valLedger, valBatches));
  }

  private List<Logged> logged(LoggingCallback.Builder builder, int epochs, int trainBatches, int valBatches) {
    run(epochs, trainBatches, valBatches).subscribers(collecting(builder)).block();
    assertThat(trainLedger.notClosedExactlyOnce()).isEmpty();
    return logged;
  }

  @Test
  void everyWindowCoversExactlyNStepsIncludingTheFirst() {
    List<Logged> logged = logged(LoggingCallback.everySteps(4), 1, 12, 0);

    // The mean of steps 0..3 is 1.5, of 4..7 is 5.5, of 8..11 is 9.5.
    assertThat(logged).extracting(l -> l.values().get("id")).containsExactly(1.5, 5.5, 9.5);
    assertThat(logged).extracting(Logged::number).containsExactly(4L, 8L, 12L);
    assertThat(logged).extracting(Logged::mode).containsOnly(Mode.TRAIN);
  }

  @Test
  void windowsRunOnAcrossEpochBoundaries() {
    List<Logged> logged = logged(LoggingCallback.everySteps(4), 2, 6, 0);

    // 12 train steps in two epochs of 6: windows 0..3, 4..7 (crossing epochs), 8..11.
    assertThat(logged).extracting(l -> l.values().get("id")).containsExactly(1.5, 5.5, 9.5);
  }

  @Test
  void aWindowStillOpenWhenTheRunEndsIsNotLogged() {
    List<Logged> logged = logged(LoggingCallback.everySteps(4), 1, 10, 0);

    assertThat(logged).extracting(Logged::number).containsExactly(4L, 8L);
  }

  @Test
  void epochSummariesCoverExactlyTheEpochOfEachMode() {
    List<Logged> logged = logged(LoggingCallback.atEpochEnd(), 2, 4, 2);

    assertThat(logged).containsExactly(
        new Logged(Map.of("id", 1.5), 0, Mode.TRAIN),
        new Logged(Map.of("id", 0.5), 0, Mode.VAL),
        new Logged(Map.of("id", 5.5), 1, Mode.TRAIN),
        new Logged(Map.of("id", 2.5), 1, Mode.VAL));
  }

  @Test
  void windowsAndEpochSummariesTogetherAreIndependent() {
    List<Logged> logged = logged(LoggingCallback.everySteps(3).alsoAtEpochEnd(), 1, 7, 0);

    assertThat(logged).containsExactly(
        new Logged(Map.of("id", 1.0), 3, Mode.TRAIN),
        new Logged(Map.of("id", 4.0), 6, Mode.TRAIN),
        new Logged(Map.of("id", 3.0), 0, Mode.TRAIN));
  }

  @Test
  void afterAResumeMidWindowTheFirstWindowCoversTheStepsSinceTheResumeAndTheNextAreInPhase() {
    // Resumed after 5 of 12 batches: batches 0..4 are skipped, steps are numbered from 5.
    run(1, 12, 0).resumeFrom(new RunPosition(0, 5, 5, 0))
        .subscribers(collecting(LoggingCallback.everySteps(4))).block();

    assertThat(logged).containsExactly(
        new Logged(Map.of("id", 6.0), 8, Mode.TRAIN), // steps 5, 6, 7
        new Logged(Map.of("id", 9.5), 12, Mode.TRAIN)); // steps 8..11
  }

  @Test
  void oneInstanceServingTwoRunsGivesEachRunItsOwnWindows() {
    LoggingCallback callback = collecting(LoggingCallback.everySteps(4));
    Ledger second = new Ledger();

    Solstice.run(CountingExperiment.fresh()).train(Sources.counting(trainLedger, 6))
        .subscribers(callback).block();
    Solstice.run(CountingExperiment.fresh()).train(Sources.counting(second, 6))
        .subscribers(callback).block();

    // Each run logs its steps 0..3; the 2 steps left open by the first run do not leak into the
    // second run's first window.
    assertThat(logged).containsExactly(
        new Logged(Map.of("id", 1.5), 4, Mode.TRAIN),
        new Logged(Map.of("id", 1.5), 4, Mode.TRAIN));
  }

  @Test
  void logsThroughTheSlf4jLoggerNamedSolsticeByDefault() {
    String logged = LogCapture.during(
        () -> run(1, 4, 0).subscribers(LoggingCallback.everySteps(2).alsoAtEpochEnd().build()).block());

    assertThat(logged)
        .contains("INFO solstice - train step 2: {id=0.5}")
        .contains("INFO solstice - train step 4: {id=2.5}")
        .contains("INFO solstice - train epoch 0: {id=1.5}");
  }

  @Test
  void anEpochCutShortByAStopIsLoggedMarkedAsSuch() {
    // Two train steps, then a validation of three batches stopped after its second.
    run(1, 2, 3).subscribers(StopAt.stepEnd(Mode.VAL, 1), collecting(LoggingCallback.atEpochEnd())).block();

    assertThat(rows).extracting(LoggedMetrics::mode, LoggedMetrics::steps, LoggedMetrics::complete)
        .containsExactly(tuple(Mode.TRAIN, 2L, true), tuple(Mode.VAL, 2L, false));
    assertThat(rows.get(1).values()).isEqualTo(Map.of("id", 0.5));
  }

  @Test
  void theSlf4jLineOfAnEpochCutShortSaysSo() {
    String logged = LogCapture.during(() -> run(1, 2, 3)
        .subscribers(StopAt.stepEnd(Mode.VAL, 1), LoggingCallback.atEpochEnd().build()).block());

    assertThat(logged)
        .contains("INFO solstice - train epoch 0: {id=0.5}")
        .contains("INFO solstice - val epoch 0 (cut short by a stop): {id=0.5}");
  }

  @Test
  void aWindowCannotBeMarkedCutShort() {
    assertThatThrownBy(() -> new LoggedMetrics(Mode.TRAIN, 0, LoggedMetrics.Kind.WINDOW, 4, 4, 4,
        Map.of("id", 1.5), false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window");
  }

  /** An experiment whose outputs are not Metrics. */
  record Words() implements Experiment<Words, CountingBatch, String> {
    @Override
    public Step<Words, String> trainStep(CountingBatch batch) {
      return Step.of(this, "not metrics");
    }

    @Override
    public Step<Words, String> evalStep(CountingBatch batch) {
      return Step.of(this, "not metrics");
    }
  }

  @Test
  void outputsThatAreNotMetricsFailTheRunWithAHint() {
    Run<Words, CountingBatch, String> words = Solstice.run(new Words())
        .train(Sources.counting(trainLedger, 3));

    assertThatThrownBy(() -> words.subscribers(LoggingCallback.everySteps(2).build()).block())
        .isInstanceOf(TrainingException.class)
        .cause()
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.String from train step 0")
        .hasMessageContaining("implement io.solstice.core.metrics.Metrics");
    assertThatThrownBy(() -> words.subscribers(LoggingCallback.atEpochEnd().build()).block())
        .cause()
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("train epoch 0")
        .hasMessageContaining("implement io.solstice.core.metrics.Metrics");
    assertThat(trainLedger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void aBuilderThatLogsNothingIsRefused() {
    assertThatThrownBy(() -> LoggingCallback.everySteps(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("everySteps must be > 0");
  }
}
