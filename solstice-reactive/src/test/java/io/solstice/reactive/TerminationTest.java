package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.EventLog;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.LogCapture;
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
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

/**
 * How runs end when cancelled or failing: termination is quiescent (every batch closed exactly
 * once and every source released when {@code RunEnded} is delivered, so before the publisher
 * terminates, or, after a cancel, when {@link RunControl#terminated()} completes), the run's
 * threads are given back (each ends, or waits idle in the engine's cache), {@code
 * RunEnded}/{@code onRunEnd} reports the right outcome, and errors say where they happened.
 */
class TerminationTest {

  private static final Duration WITHIN = Duration.ofSeconds(10);

  private final Ledger ledger = new Ledger();
  private final List<String> log = Recorder.newLog();

  /** Checks what must hold at termination, without waiting for batches: only threads are waited for. */
  private void assertCleanEnd(CountingExperiment start, Recorder recorder) throws InterruptedException {
    assertThat(ledger.notClosedExactlyOnce()).as("batch id -> times closed").isEmpty();
    assertThat(ledger.alive()).isZero();
    Set<Thread> threads = new HashSet<>(start.stepThreads());
    threads.addAll(recorder.threads());
    threads.addAll(ledger.sourceThreads());
    assertThat(threads).isNotEmpty();
    assertThat(Threads.stillWorkingAfterWaiting(threads)).as("threads still working for the run").isEmpty();
  }

  @Test
  void cancellingBetweenStepsAtARandomStepClosesEverythingAndEndsTheRunAsCancelled() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    for (int run = 0; run < 8; run++) {
      Ledger ledger = new Ledger();
      List<String> log = Recorder.newLog();
      Recorder recorder = Recorder.of("a", log);
      EventLog events = new EventLog();
      CountingExperiment start = CountingExperiment.fresh();
      int cancelAfter = 1 + random.nextInt(40);
      int prefetch = 1 + random.nextInt(8);

      StepVerifier.create(Solstice.run(start)
                  .train(Sources.counting(ledger, 37)).validate(Sources.counting(ledger, 5))
                  .epochs(1_000).prefetch(prefetch)
                  .callbacks(recorder).subscribers(events)
                  .steps(), 0)
          .thenRequest(cancelAfter)
          .expectNextCount(cancelAfter)
          .thenCancel()
          .verify(WITHIN);
      events.awaitTerminated();

      String where = "seed " + seed + ", run " + run + ", cancel after " + cancelAfter
          + ", prefetch " + prefetch;
      assertThat(recorder.outcome()).as(where).isEqualTo(RunOutcome.CANCELLED);
      assertThat(log).as(where).last().isEqualTo("a:onRunEnd(CANCELLED)");
      assertThat(log).as(where).filteredOn(l -> l.contains("onStepEnd")).hasSize(cancelAfter);
      assertThat(events.lines()).as(where).last().isEqualTo("RunEnded(CANCELLED)");
      assertThat(ledger.notClosedExactlyOnce()).as(where).isEmpty();
      assertThat(ledger.alive()).as(where).isZero();
      Set<Thread> threads = new HashSet<>(start.stepThreads());
      threads.addAll(recorder.threads());
      threads.addAll(ledger.sourceThreads());
      assertThat(start.stepThreads()).as(where).hasSize(1);
      assertThat(Threads.stillWorkingAfterWaiting(threads)).as(where).isEmpty();
    }
  }

  @Test
  void cancellingInTheMiddleOfAStepLetsThatStepFinishThenEndsTheRunOnTheTrainingThread()
      throws Exception {
    int cancelAt = new Random().nextInt(20);
    CountDownLatch inStep = new CountDownLatch(1);
    CountDownLatch disposed = new CountDownLatch(1);
    AtomicBoolean heldUntilDisposed = new AtomicBoolean();
    // The step waits for the test's cancel, so the cancel lands inside it however slowly the
    // test's thread gets there (a fixed sleep let a late cancel fall into a later step).
    CountingExperiment start = CountingExperiment.withAction(n -> {
      if (n == cancelAt) {
        inStep.countDown();
        heldUntilDisposed.set(Threads.awaitInStep(disposed));
      }
    });
    Recorder recorder = Recorder.of("a", log);
    EventLog events = new EventLog();

    Disposable run = Solstice.run(start).train(Sources.counting(ledger, -1))
        .callbacks(recorder).subscribers(events)
        .experiment().subscribe();
    assertThat(inStep.await(10, TimeUnit.SECONDS)).isTrue();
    run.dispose();
    disposed.countDown();
    events.awaitTerminated();

    assertThat(heldUntilDisposed).as("the cancel came while step %d ran", cancelAt).isTrue();
    assertThat(recorder.outcome()).isEqualTo(RunOutcome.CANCELLED);
    assertThat(((CountingExperiment) recorder.lastExperiment()).trained())
        .as("the step in progress finished").isEqualTo(cancelAt + 1);
    assertThat(log).endsWith("a:onStepEnd(" + cancelAt + ",TRAIN)", "a:onRunEnd(CANCELLED)");
    assertThat(recorder.threads()).hasSize(1);
    assertThat(start.stepThreads()).isEqualTo(recorder.threads());
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

    StepVerifier.create(Solstice.run(start)
                .train(Sources.counting(ledger, 4)).validate(Sources.counting(ledger, 2)).epochs(3)
                .callbacks(recorder)
                .experiment())
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
          assertThat(ledger.alive()).as("alive when the error arrived").isZero();
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

    StepVerifier.create(Solstice.run(start)
                .train(Sources.counting(ledger, 4)).validate(Sources.counting(ledger, 2)).epochs(3)
                .callbacks(a, b)
                .experiment())
        .expectErrorSatisfies(error -> {
          assertThat(error)
              .isInstanceOf(TrainingException.class)
              .hasMessageStartingWith("VAL failed in epoch 1 at val step 2: ")
              .hasRootCauseMessage("a fails at onStepEnd(2,VAL)");
          assertThat(ledger.alive()).as("alive when the error arrived").isZero();
        })
        .verify(WITHIN);

    assertThat(log).endsWith("a:onStepEnd(2,VAL)", "a:onRunEnd(FAILED)", "b:onRunEnd(FAILED)");
    assertCleanEnd(start, a);
  }

  @Test
  void anErrorInTheSourceFailsTheRunAfterTheStepsBeforeIt() throws Exception {
    Recorder recorder = Recorder.of("a", log);
    CountingExperiment start = CountingExperiment.fresh();

    StepVerifier.create(Solstice.run(start).train(Sources.failingAt(ledger, 10, 3)).epochs(2)
                .callbacks(recorder)
                .experiment())
        .expectErrorSatisfies(error -> {
          assertThat(error)
              .isInstanceOf(TrainingException.class)
              .hasMessageStartingWith("TRAIN failed in epoch 0 at train step 3: ")
              .hasRootCauseMessage("disk on fire at batch 3");
          assertThat(ledger.alive()).as("alive when the error arrived").isZero();
        })
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

    StepVerifier.create(Solstice.run(failing).train(Sources.counting(ledger, 3))
            .callbacks(brokenEnd).experiment())
        .expectErrorSatisfies(error -> assertThat(error.getSuppressed())
            .singleElement().satisfies(s -> assertThat(s).hasMessage("onRunEnd broke")))
        .verify(WITHIN);

    StepVerifier.create(Solstice.run(CountingExperiment.fresh()).train(Sources.counting(ledger, 3))
            .callbacks(brokenEnd).experiment())
        .expectErrorSatisfies(error -> assertThat(error)
            .isInstanceOf(TrainingException.class).hasRootCauseMessage("onRunEnd broke"))
        .verify(WITHIN);
  }

  @Test
  void anExceptionFromOnRunEndOfACancelledRunIsLoggedForNothingIsLeftToSignalIt() {
    String logged = LogCapture.during(() -> {
      List<TrainingEvent.StepEnded<CountingExperiment, MeanMetric>> results = Solstice.run(CountingExperiment.fresh())
          .train(Sources.counting(ledger, -1))
          .callbacks(new BrokenRunEnd("a", log))
          .steps().take(3).collectList().block(WITHIN);
      results.get(0).run().terminated().block(WITHIN);
    });

    // The message and the stack trace.
    assertThat(logged)
        .containsPattern("ERROR \\S+ - A subscriber failed handling RunEnded of a cancelled run")
        .contains("onRunEnd broke");
    assertThat(log).last().isEqualTo("a:onRunEnd(CANCELLED)");
  }

  @Test
  void takeOnAnOnlineRunCancelsTheRunAndReleasesEverything() throws Exception {
    Recorder recorder = Recorder.of("a", log);
    CountingExperiment start = CountingExperiment.fresh();

    List<TrainingEvent.StepEnded<CountingExperiment, MeanMetric>> results = Solstice.run(start)
        .train(Sources.counting(ledger, -1))
        .callbacks(recorder)
        .steps().take(25).collectList().block(WITHIN);

    assertThat(results).hasSize(25);
    results.get(0).run().terminated().block(WITHIN);
    assertThat(recorder.outcome()).isEqualTo(RunOutcome.CANCELLED);
    assertThat(log).filteredOn(l -> l.contains("onStepEnd")).hasSize(25);
    assertCleanEnd(start, recorder);
  }

  /**
   * Random runs through the public API (early stops from StepStarted and StepEnded, subscriber
   * failures, source errors, step failures, cancellations, random prefetch and slow reads): at
   * {@code RunEnded}, when the publisher terminates and, after a cancel, when {@code terminated()}
   * completes, no batch is alive and every batch was closed exactly once.
   */
  @Test
  void nothingIsAliveAtTheMomentARunTerminatesOverAThousandRandomRuns() {
    long seed = Long.getLong("solstice.termination.seed", System.nanoTime());
    Random random = new Random(seed);
    for (int i = 0; i < 1_000; i++) {
      Ledger ledger = new Ledger();
      int batches = 1 + random.nextInt(12);
      int at = random.nextInt(batches + 2);
      int scenario = random.nextInt(7);
      long readNanos = random.nextBoolean() ? 0 : random.nextInt(200_000);
      String where = "seed " + seed + ", run " + i + ", scenario " + scenario + ", at " + at
          + ", batches " + batches + ", readNanos " + readNanos;
      List<Long> aliveAtRunEnded = new ArrayList<>();
      TrainingSubscriber<Object, Object> rule = event -> {
        String line = EventLog.describe(event);
        if (event instanceof TrainingEvent.RunEnded<?, ?>) {
          aliveAtRunEnded.add(ledger.alive());
        } else if (scenario == 0 && line.equals("StepStarted(" + at + ",TRAIN)")) {
          event.run().stop("stop at step start");
        } else if (scenario == 1 && line.equals("StepEnded(" + at + ",TRAIN)")) {
          throw new io.solstice.core.EarlyStoppingException("stop at step end");
        } else if (scenario == 2 && line.equals("StepEnded(" + at + ",TRAIN)")) {
          throw new IllegalStateException("subscriber fails");
        }
      };
      CountingExperiment start = scenario == 3
          ? CountingExperiment.withAction(n -> {
              if (n == at) {
                throw new IllegalStateException("step fails");
              }
            })
          : CountingExperiment.fresh();
      Run<CountingExperiment, io.solstice.reactive.fixtures.CountingBatch, MeanMetric> run =
          Solstice.run(start)
              .train(Sources.slow(ledger, batches, scenario == 4 ? at : -1, readNanos))
              .validate(Sources.slow(ledger, 1 + random.nextInt(3), -1, readNanos))
              .epochs(1 + random.nextInt(3))
              .prefetch(1 + random.nextInt(8))
              .subscribers(rule);
      long[] aliveAtTermination = {-1};
      RunControl[] control = {null};
      var steps = run.steps()
          .doOnNext(step -> control[0] = step.run())
          .doOnTerminate(() -> aliveAtTermination[0] = ledger.alive());
      try {
        if (scenario == 5) {
          steps.take(1 + at).onErrorComplete().blockLast(WITHIN);
          if (control[0] != null) {
            control[0].terminated().block(WITHIN);
            aliveAtTermination[0] = ledger.alive();
          }
        } else {
          steps.onErrorComplete().blockLast(WITHIN);
        }
      } catch (RuntimeException e) {
        throw new AssertionError(where, e);
      }
      assertThat(aliveAtRunEnded).as(where).allMatch(alive -> alive == 0);
      assertThat(aliveAtTermination[0]).as(where).isIn(-1L, 0L);
      assertThat(ledger.alive()).as(where).isZero();
      assertThat(ledger.notClosedExactlyOnce()).as(where).isEmpty();
    }
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
