package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Sources;
import io.solstice.reactive.fixtures.StopAt;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The progress bar on a terminal, in plain logs, with known, learnt and unknown lengths, in real
 * runs whose train step advances a scripted clock. The metric shown is the latest step's "id"
 * (its number among the train steps), and on the line that ends an epoch the epoch's mean id.
 */
class ProgressBarTest {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  private final AtomicLong now = new AtomicLong();
  private final Ledger ledger = new Ledger();

  private String text() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /** An experiment whose every train step takes {@code millis} on the scripted clock. */
  private CountingExperiment stepsTaking(long millis) {
    return CountingExperiment.withAction(n -> now.addAndGet(Duration.ofMillis(millis).toNanos()));
  }

  /** {@code epochs} epochs of {@code steps} steps of 100 ms each. */
  private void train(ProgressBar bar, int epochs, int steps) {
    Solstice.run(stepsTaking(100)).train(Sources.counting(ledger, steps)).epochs(epochs)
        .subscribers(bar).block();
  }

  private ProgressBar.Builder plain() {
    return ProgressBar.builder()
        .output(out).interactive(false).clock(now::get).refreshEvery(Duration.ofMillis(500));
  }

  @Test
  void plainLinesShowStepsRateEtaAndMetricsWhenTheLengthIsGiven() {
    train(plain().stepsPerEpoch(Mode.TRAIN, 10).build(), 1, 10);

    List<String> lines = text().lines().toList();
    assertThat(lines).containsExactly(
        "train epoch 0: 5/10 (50%), 10.0 steps/s, ETA 0:01 | id=4.000",
        "train epoch 0: 10/10 (100%), 10.0 steps/s, 0:01 | id=4.500");
    assertThat(text()).doesNotContain("\r");
  }

  @Test
  void learnsTheLengthFromThePreviousEpoch() {
    train(plain().build(), 2, 6);

    List<String> lines = text().lines().toList();
    assertThat(lines.get(0)).startsWith("train epoch 0: 5 steps, 10.0 steps/s |").doesNotContain("ETA");
    assertThat(lines).contains("train epoch 1: 5/6 (83%), 10.0 steps/s, ETA 0:00 | id=10.00");
  }

  @Test
  void aRunResumedInsideAnEpochCountsItsStepsFromTheBatchesDoneBeforeTheResume() {
    // Resumed 4 batches into epoch 1 of 6-batch epochs: 2 steps left in it, then epoch 2.
    Solstice.run(stepsTaking(100)).train(Sources.counting(ledger, 6)).epochs(3)
        .resumeFrom(new RunPosition(1, 4, 10, 0))
        .subscribers(plain().stepsPerEpoch(Mode.TRAIN, 6).build()).block();

    assertThat(text().lines().toList()).containsExactly(
        "train epoch 1: 6/6 (100%) (4 before the resume), 10.0 steps/s, 0:00 | id=4.500",
        "train epoch 2: 5/6 (83%), 10.0 steps/s, ETA 0:00 | id=10.00",
        "train epoch 2: 6/6 (100%), 10.0 steps/s, 0:01 | id=8.500");
  }

  @Test
  void aRunResumedAtTheEndOfAnEpochShowsItWhole() {
    Solstice.run(stepsTaking(100)).train(Sources.counting(ledger, 3)).epochs(1)
        .validate(Sources.counting(new Ledger(), 1))
        .resumeFrom(new RunPosition(0, 3, 3, 0))
        .subscribers(plain().build()).block();

    assertThat(text().lines().toList()).startsWith(
        "train epoch 0: 3 steps (3 before the resume), 0.0 steps/s, 0:00");
  }

  @Test
  void anEpochCutShortTeachesNoLength() {
    ProgressBar bar = plain().build();
    Solstice.run(stepsTaking(100)).train(Sources.counting(ledger, 6)).epochs(1)
        .subscribers(StopAt.stepEnd(Mode.TRAIN, 2), bar).block();
    bytes.reset();

    // The same bar in a later run: its first epoch's length is still unknown, not 3.
    train(bar, 1, 6);

    assertThat(text().lines().findFirst()).hasValueSatisfying(line -> assertThat(line)
        .startsWith("train epoch 0: 5 steps, 10.0 steps/s |").doesNotContain("ETA"));
  }

  @Test
  void anUnboundedStreamShowsStepsAndRateWithoutEta() {
    Solstice.run(stepsTaking(50)).train(Sources.counting(ledger, -1)).maxSteps(20)
        .subscribers(plain().build()).block();

    // Lines after 10 and 20 steps, then the one the epoch end draws (maxSteps ends the epoch).
    assertThat(text().lines()).containsExactly(
        "train epoch 0: 10 steps, 20.0 steps/s | id=9.000",
        "train epoch 0: 20 steps, 20.0 steps/s | id=19.00",
        "train epoch 0: 20 steps, 20.0 steps/s, 0:01 | id=9.500");
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void onATerminalOneLineIsRedrawnInPlace() {
    ProgressBar bar = ProgressBar.builder()
        .output(out).interactive(true).clock(now::get).stepsPerEpoch(Mode.TRAIN, 4)
        .refreshEvery(Duration.ofMillis(100)).build();

    train(bar, 1, 4);

    String text = text();
    assertThat(text).startsWith("\rtrain epoch 0 [######..................] 1/4 (25%)");
    assertThat(text.chars().filter(c -> c == '\r').count()).as("3 redraws + the final one").isEqualTo(4);
    assertThat(text.chars().filter(c -> c == '\n').count()).as("one line, ended at epoch end").isEqualTo(1);
    assertThat(text).contains("[########################] 4/4 (100%)").endsWith(System.lineSeparator());
  }

  @Test
  void aValidationInsideATrainEpochHasItsOwnBarAndTheTrainBarContinues() throws Exception {
    // A step-cadence validation after train steps 3 and 6 of a 6-step epoch (hand-made events:
    // the interleaving is the point). Val steps take no time, train steps 100 ms each.
    HandMadeEvents run = new HandMadeEvents(
        plain().stepsPerEpoch(Mode.TRAIN, 6).stepsPerEpoch(Mode.VAL, 2).build());
    run.runStarted().epochStarted(0, Mode.TRAIN);
    long valStep = 0;
    for (long step = 0; step < 6; step++) {
      now.addAndGet(Duration.ofMillis(100).toNanos());
      run.stepEnded(0, step, Mode.TRAIN, MeanMetric.of("id", step), TIMINGS);
      if ((step + 1) % 3 == 0) {
        run.epochStarted(0, Mode.VAL);
        for (int i = 0; i < 2; i++, valStep++) {
          run.stepEnded(0, valStep, Mode.VAL, MeanMetric.of("id", valStep), TIMINGS);
        }
        run.epochEnded(0, Mode.VAL, 2, Map.of("id", valStep - 1.5));
      }
    }
    run.epochEnded(0, Mode.TRAIN, 6, Map.of("id", 2.5)).runEnded();

    assertThat(text().lines()).containsExactly(
        "val epoch 0: 2/2 (100%), 0.0 steps/s, 0:00 | id=0.5000",
        "train epoch 0: 5/6 (83%), 10.0 steps/s, ETA 0:00 | id=4.000",
        "val epoch 0: 2/2 (100%), 0.0 steps/s, 0:00 | id=2.500",
        "train epoch 0: 6/6 (100%), 10.0 steps/s, 0:01 | id=2.500");
  }

  private static final TrainingEvent.Timings TIMINGS = new TrainingEvent.Timings(0, 0, 0);
}
