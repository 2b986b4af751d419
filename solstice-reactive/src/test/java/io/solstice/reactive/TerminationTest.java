package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Recorder;
import io.solstice.reactive.fixtures.Sources;
import io.solstice.reactive.fixtures.Threads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

/**
 * How runs end when cancelled or failing: every batch closed exactly once, the run's threads
 * gone, onRunEnd called with the right outcome, the publisher terminated, and errors that say
 * where they happened.
 */
class TerminationTest {

  private static final Duration WITHIN = Duration.ofSeconds(10);

  private final Ledger ledger = new Ledger();
  private final List<String> log = Recorder.newLog();

  private void assertCleanEnd(CountingExperiment start, Recorder recorder) throws InterruptedException {
    Set<Thread> threads = new HashSet<>(start.stepThreads());
    threads.addAll(recorder.threads());
    threads.addAll(ledger.sourceThreads());
    assertThat(threads).isNotEmpty();
    assertThat(Threads.stillAliveAfterWaiting(threads)).as("threads of the run still alive").isEmpty();
    assertThat(ledger.notClosedExactlyOnce()).as("batch id -> times closed").isEmpty();
    assertThat(ledger.alive()).isZero();
  }

  @Test
  void cancellingBetweenStepsAtARandomStepClosesEverythingAndEndsTheRunAsCancelled() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    for (int run = 0; run < 8; run++) {
      Ledger ledger = new Ledger();
      List<String> log = Recorder.newLog();
      Recorder recorder = Recorder.of("a", log);
      CountingExperiment start = CountingExperiment.fresh();
      int cancelAfter = 1 + random.nextInt(40);
      int prefetch = 1 + random.nextInt(8);

      StepVerifier.create(Solstice.run(start, 1_000, Sources.counting(ledger, 37),
                  Sources.counting(ledger, 5), List.of(recorder),
                  TrainOptions.builder().prefetch(prefetch).build()), 0)
          .thenRequest(cancelAfter)
          .expectNextCount(cancelAfter)
          .thenCancel()
          .verify(WITHIN);

      String where = "seed " + seed + ", run " + run + ", cancel after " + cancelAfter
          + ", prefetch " + prefetch;
      assertThat(recorder.awaitRunEnd()).as(where).isTrue();
      assertThat(recorder.outcome()).as(where).isEqualTo(RunOutcome.CANCELLED);
      assertThat(log).as(where).last().isEqualTo("a:onRunEnd(CANCELLED)");
      assertThat(log).as(where).filteredOn(l -> l.contains("onStepEnd")).hasSize(cancelAfter);
      Set<Thread> threads = new HashSet<>(start.stepThreads());
      threads.addAll(recorder.threads());
      threads.addAll(ledger.sourceThreads());
      assertThat(Threads.stillAliveAfterWaiting(threads)).as(where).isEmpty();
      assertThat(ledger.notClosedExactlyOnce()).as(where).isEmpty();
    }
  }

  @Test
  void cancellingInTheMiddleOfAStepLetsThatStepFinishThenCallsOnRunEndOnTheTrainingThread()
      throws Exception {
    int cancelAt = new Random().nextInt(20);
    CountDownLatch inStep = new CountDownLatch(1);
    CountingExperiment start = CountingExperiment.withAction(n -> {
      if (n == cancelAt) {
        inStep.countDown();
        CountingExperiment.sleep(100);
      }
    });
    Recorder recorder = Recorder.of("a", log);

    Disposable run = Solstice.train(start, 1, Sources.counting(ledger, -1), null, List.of(recorder))
        .subscribe();
    assertThat(inStep.await(10, TimeUnit.SECONDS)).isTrue();
    run.dispose();

    assertThat(recorder.awaitRunEnd()).isTrue();
    assertThat(recorder.outcome()).isEqualTo(RunOutcome.CANCELLED);
    assertThat(((CountingExperiment) recorder.lastExperiment()).trained())
        .as("the step in progress finished").isEqualTo(cancelAt + 1);
    assertThat(log).endsWith("a:onStepEnd(" + cancelAt + ",TRAIN)", "a:onRunEnd(CANCELLED)");
    assertThat(recorder.threads()).hasSize(1);
    assertCleanEnd(start, recorder);
  }

  @Test
  void anErrorInAStepFailsTheRunNamingModeEpochAndStepAfterOnRunEnd() throws Exception {
    CountingExperiment start = CountingExperiment.withAction(n -> {
      if (n == 5) {
        throw new IllegalArgumentException("shape mismatch");
      }
    });
    Recorder recorder = Recorder.of("a", log);
    List<RunOutcome> outcomeWhenErrorArrived = new ArrayList<>();

    StepVerifier.create(Solstice.train(start, 3, Sources.counting(ledger, 4),
                Sources.counting(ledger, 2), List.of(recorder)))
        .expectErrorSatisfies(error -> {
          outcomeWhenErrorArrived.add(recorder.outcome());
          assertThat(error).isInstanceOf(TrainingException.class)
              .hasMessage("TRAIN failed in epoch 1 at train step 5: "
                  + "java.lang.IllegalArgumentException: shape mismatch")
              .hasCauseInstanceOf(IllegalArgumentException.class);
          TrainingException failure = (TrainingException) error;
          assertThat(failure.mode()).isEqualTo(Mode.TRAIN);
          assertThat(failure.epoch()).isEqualTo(1);
          assertThat(failure.globalStep()).isEqualTo(5);
          assertThat(ledger.notClosedExactlyOnce()).as("closed before the error").isEmpty();
        })
        .verify(WITHIN);

    assertThat(outcomeWhenErrorArrived).singleElement()
        .satisfies(o -> assertThat(o.status()).isEqualTo(RunOutcome.Status.FAILED))
        .satisfies(o -> assertThat(o.cause()).isInstanceOf(TrainingException.class));
    assertThat(log).endsWith("a:onStepStart(5,TRAIN)", "a:onRunEnd(FAILED)");
    assertCleanEnd(start, recorder);
  }

  @Test
  void anErrorInACallbackSkipsTheRestOfThatHookAndFailsTheRun() throws Exception {
    Recorder a = Recorder.failingAt("a", log, "onStepEnd(2,VAL)"::equals);
    Recorder b = Recorder.of("b", log);
    CountingExperiment start = CountingExperiment.fresh();

    StepVerifier.create(Solstice.train(start, 3, Sources.counting(ledger, 4),
                Sources.counting(ledger, 2), List.of(a, b)))
        .expectErrorSatisfies(error -> assertThat(error)
            .isInstanceOf(TrainingException.class)
            .hasMessageStartingWith("VAL failed in epoch 1 at val step 2: ")
            .hasRootCauseMessage("a fails at onStepEnd(2,VAL)"))
        .verify(WITHIN);

    assertThat(log).endsWith("a:onStepEnd(2,VAL)", "a:onRunEnd(FAILED)", "b:onRunEnd(FAILED)");
    assertCleanEnd(start, a);
  }

  @Test
  void anErrorInTheSourceFailsTheRunAfterTheStepsBeforeIt() throws Exception {
    Recorder recorder = Recorder.of("a", log);
    CountingExperiment start = CountingExperiment.fresh();

    StepVerifier.create(Solstice.train(start, 2, Sources.failingAt(ledger, 10, 3), null,
                List.of(recorder)))
        .expectErrorSatisfies(error -> assertThat(error)
            .isInstanceOf(TrainingException.class)
            .hasMessageStartingWith("TRAIN failed in epoch 0 at train step 3: ")
            .hasRootCauseMessage("disk on fire at batch 3"))
        .verify(WITHIN);

    assertThat(log).endsWith("a:onStepEnd(2,TRAIN)", "a:onRunEnd(FAILED)");
    assertCleanEnd(start, recorder);
  }

  @Test
  void anExceptionFromOnRunEndIsSuppressedOnTheRunsErrorOrBecomesTheErrorOfACompletedRun() {
    Recorder brokenEnd = new BrokenRunEnd("a", log);
    CountingExperiment failing = CountingExperiment.withAction(n -> {
      throw new IllegalStateException("step failed");
    });

    StepVerifier.create(Solstice.train(failing, 1, Sources.counting(ledger, 3), null,
            List.of(brokenEnd)))
        .expectErrorSatisfies(error -> assertThat(error.getSuppressed())
            .singleElement().satisfies(s -> assertThat(s).hasMessage("onRunEnd broke")))
        .verify(WITHIN);

    StepVerifier.create(Solstice.train(CountingExperiment.fresh(), 1, Sources.counting(ledger, 3),
            null, List.of(brokenEnd)))
        .expectErrorSatisfies(error -> assertThat(error)
            .isInstanceOf(TrainingException.class).hasRootCauseMessage("onRunEnd broke"))
        .verify(WITHIN);
  }

  @Test
  void takeOnAnOnlineFitCancelsTheRunAndReleasesEverything() throws Exception {
    Recorder recorder = Recorder.of("a", log);
    CountingExperiment start = CountingExperiment.fresh();

    List<StepResult<CountingExperiment, MeanMetric>> results = Solstice.fit(start,
            Sources.counting(ledger, -1), null, List.of(recorder), FitOptions.defaults())
        .take(25).collectList().block(WITHIN);

    assertThat(results).hasSize(25);
    assertThat(recorder.awaitRunEnd()).isTrue();
    assertThat(recorder.outcome()).isEqualTo(RunOutcome.CANCELLED);
    assertCleanEnd(start, recorder);
  }

  /** A recorder whose onRunEnd throws. */
  private static final class BrokenRunEnd extends Recorder {
    BrokenRunEnd(String name, List<String> log) {
      super(name, log);
    }

    @Override
    public void onRunEnd(Object experiment, RunOutcome outcome) {
      super.onRunEnd(experiment, outcome);
      throw new IllegalStateException("onRunEnd broke");
    }
  }
}
