package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.Mode;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.core.testing.CountingExperiment;
import io.solstice.core.testing.FakeLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Logging windows cover exactly N steps; epoch summaries cover exactly the epoch. */
class LoggingCallbackTest {

  record Logged(Map<String, Double> values, long number, Mode mode) {}

  private static List<Logged> run(LoggingCallback.Builder<CountingExperiment, Integer, MeanMetric> builder,
      int epochs, int trainBatches, int valBatches) {
    List<Logged> logged = new ArrayList<>();
    LoggingCallback<CountingExperiment, Integer, MeanMetric> callback =
        builder.to((values, number, mode) -> logged.add(new Logged(values, number, mode))).build();
    new FakeLoop<>(CountingExperiment.batches(trainBatches), CountingExperiment.batches(valBatches), List.of(callback))
        .run(new CountingExperiment(), epochs);
    return logged;
  }

  @Test
  void everyWindowCoversExactlyNStepsIncludingTheFirst() {
    List<Logged> logged = run(LoggingCallback.everySteps(4), 1, 12, 0);

    // x is the step number; the mean of steps 0..3 is 1.5, of 4..7 is 5.5, of 8..11 is 9.5.
    assertThat(logged).extracting(l -> l.values().get("x")).containsExactly(1.5, 5.5, 9.5);
    assertThat(logged).extracting(Logged::number).containsExactly(4L, 8L, 12L);
    assertThat(logged).extracting(Logged::mode).containsOnly(Mode.TRAIN);
  }

  @Test
  void windowsRunOnAcrossEpochBoundaries() {
    List<Logged> logged = run(LoggingCallback.everySteps(4), 2, 6, 0);

    // 12 train steps in two epochs of 6: windows 0..3, 4..7 (crossing epochs), 8..11.
    assertThat(logged).extracting(l -> l.values().get("x")).containsExactly(1.5, 5.5, 9.5);
  }

  @Test
  void epochSummariesCoverExactlyTheEpochOfEachMode() {
    List<Logged> logged = run(LoggingCallback.atEpochEnd(), 2, 4, 2);

    assertThat(logged).containsExactly(
        new Logged(Map.of("x", 1.5), 0, Mode.TRAIN),
        new Logged(Map.of("x", 0.5), 0, Mode.VAL),
        new Logged(Map.of("x", 5.5), 1, Mode.TRAIN),
        new Logged(Map.of("x", 2.5), 1, Mode.VAL));
  }

  @Test
  void windowsAndEpochSummariesTogetherAreIndependent() {
    List<Logged> logged = run(LoggingCallback.<CountingExperiment, Integer, MeanMetric>everySteps(3).alsoAtEpochEnd(), 1, 7, 0);

    assertThat(logged).containsExactly(
        new Logged(Map.of("x", 1.0), 3, Mode.TRAIN),
        new Logged(Map.of("x", 4.0), 6, Mode.TRAIN),
        new Logged(Map.of("x", 3.0), 0, Mode.TRAIN));
  }

  @Test
  void logsThroughTheSlf4jLoggerNamedSolsticeByDefault() {
    LoggingCallback<CountingExperiment, Integer, MeanMetric> callback =
        LoggingCallback.<CountingExperiment, Integer, MeanMetric>everySteps(2).alsoAtEpochEnd().build();
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    java.io.PrintStream original = System.err;
    System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      new FakeLoop<>(CountingExperiment.batches(4), CountingExperiment.batches(0), List.of(callback))
          .run(new CountingExperiment(), 1);
    } finally {
      System.setErr(original);
    }

    // slf4j-simple (the test binding) writes "[thread] INFO solstice - message" to stderr.
    assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8))
        .contains("INFO solstice - train step 2: {x=0.5}")
        .contains("INFO solstice - train step 4: {x=2.5}")
        .contains("INFO solstice - train epoch 0: {x=1.5}");
  }

  @Test
  void outputsThatAreNotMetricsAreRefusedWithAHint() {
    LoggingCallback<Object, Object, Object> callback = LoggingCallback.everySteps(2).build();

    assertThatThrownBy(() -> callback.onStepEnd("not metrics", null, 0, Mode.TRAIN, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("implement io.solstice.core.metrics.Metrics");
  }
}
