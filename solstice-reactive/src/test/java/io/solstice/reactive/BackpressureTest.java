package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.solstice.core.Experiment;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.EventLog;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Sources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.test.StepVerifier;

/**
 * The backpressure contract: the prefetch bounds the batches alive, whatever the source's
 * speed, the source is read while the step computes, and the events' subscriber paces the steps.
 */
class BackpressureTest {

  @ParameterizedTest(name = "prefetch {0}")
  @ValueSource(ints = {1, 4, 16})
  void aMillionBatchSourceAgainstASlowStepNeverHasMoreThanPrefetchPlusTwoBatchesAlive(int prefetch) {
    Ledger ledger = new Ledger();
    long steps = 150;

    CountingExperiment result = run(CountingExperiment.slow(2))
        .train(Sources.counting(ledger, 1_000_000))
        .prefetch(prefetch).maxSteps(steps)
        .block();

    assertThat(result.trained()).isEqualTo(steps);
    assertThat(ledger.maxAlive()).isLessThanOrEqualTo(prefetch + 2);
    assertThat(ledger.created()).isLessThanOrEqualTo(steps + prefetch + 2);
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @ParameterizedTest(name = "prefetch {0}")
  @ValueSource(ints = {1, 4})
  void theRunTellsItsBatchesInFlightWhichNeverPassPrefetchPlusOneDuringAStep(int prefetch) {
    Ledger ledger = new Ledger();
    List<Integer> inFlight = new ArrayList<>();
    AtomicReference<RunControl> control = new AtomicReference<>();

    run(CountingExperiment.slow(1))
        .train(Sources.counting(ledger, 1_000_000))
        .prefetch(prefetch).maxSteps(40)
        .subscribers(event -> {
          if (event instanceof TrainingEvent.StepStarted<?, ?> start) {
            control.set(start.run());
            assertThat(start.run().prefetch()).isEqualTo(prefetch);
            if (start.globalStep() == 0) {
              // Held here, the step lets the source read as far ahead as the prefetch allows.
              await().atMost(Duration.ofSeconds(30))
                  .until(() -> start.run().batchesInFlight() >= prefetch);
            }
            inFlight.add(start.run().batchesInFlight());
          }
        })
        .block();

    assertThat(inFlight).hasSize(40).allSatisfy(n -> assertThat(n).isBetween(0, prefetch + 1));
    assertThat(inFlight.get(0)).isGreaterThanOrEqualTo(prefetch);
    assertThat(control.get().batchesInFlight()).as("after the run").isZero();
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @ParameterizedTest(name = "prefetch {0}")
  @ValueSource(ints = {2, 4})
  void theSourceIsReadAheadWhileAStepIsComputing(int prefetch) {
    Ledger ledger = new Ledger();
    long batches = 20;
    AtomicLong stepsThatSawTheNextBatchArrive = new AtomicLong();
    // Inside step n, batch n + 1 can only appear if the source is read while the step runs. The
    // wait is long for a starved reader thread; the last step has no next batch to wait for.
    CountingExperiment start = CountingExperiment.withAction(n -> {
      if (n + 1 == batches) {
        return;
      }
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (ledger.created() < n + 2 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      if (ledger.created() >= n + 2) {
        stepsThatSawTheNextBatchArrive.incrementAndGet();
      }
    });

    run(start).train(Sources.counting(ledger, batches)).prefetch(prefetch).block();

    assertThat(stepsThatSawTheNextBatchArrive).hasValue(batches - 1); // every step but the last
  }

  @ParameterizedTest(name = "after {0} events")
  @ValueSource(ints = {2, 3, 4, 7})
  void noFurtherStepStartsWhileTheEventsSubscriberHasNoDemand(int requested) {
    Ledger ledger = new Ledger();
    EventLog events = new EventLog();
    AtomicLong stepsTaken = new AtomicLong();
    CountingExperiment start = CountingExperiment.withAction(n -> stepsTaken.incrementAndGet());
    // Events 0 and 1 are RunStarted and EpochStarted, 2 and 3 StepStarted(0) and StepEnded(0),
    // 4 and 5 those of step 1, and so on: step k may start only while event 2k + 2 is wanted.
    long stepsForTheDemand = (requested - 1) / 2;

    StepVerifier.create(run(start).train(Sources.counting(ledger, 100)).subscribers(events)
                .events(), 0)
        .thenRequest(requested)
        .expectNextCount(requested)
        // The StepStarted of the last step the demand allows comes before the step itself runs:
        // first let that step run, however slowly.
        .then(() -> await().atMost(Duration.ofSeconds(30))
            .until(() -> stepsTaken.get() >= stepsForTheDemand))
        // Then time in which a run that ignored demand would step ahead.
        .thenAwait(Duration.ofMillis(300))
        .then(() -> assertThat(stepsTaken).as("steps taken without demand beyond event %d",
            requested).hasValue(stepsForTheDemand))
        .thenCancel()
        .verify(Duration.ofSeconds(60));

    events.awaitTerminated();
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
    assertThat(ledger.alive()).isZero();
  }

  /** The run under test; {@link BackpressureInAPoolTest} runs the same tests on threads shared with other runs. */
  <E extends Experiment<E, B, O>, B, O> Run<E, B, O> run(E experiment) {
    return Solstice.run(experiment);
  }
}
