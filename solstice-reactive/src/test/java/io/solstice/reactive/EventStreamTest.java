package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.EarlyStoppingException;
import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.EventLog;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Sources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * The event stream of a run ({@link Run#events()}) and its subscribers, as the contract in
 * {@link Solstice} states them: order, backpressure, cancellation, stopping from a subscriber,
 * merged metrics, and asynchronous subscribers that never stall the step.
 */
class EventStreamTest {

  private final Ledger ledger = new Ledger();

  private Run<CountingExperiment, io.solstice.reactive.fixtures.CountingBatch, MeanMetric> run(
      long trainBatches, long valBatches, int epochs) {
    var run = Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(ledger, trainBatches))
        .epochs(epochs);
    return valBatches > 0 ? run.validate(Sources.counting(ledger, valBatches)) : run;
  }

  private static String name(TrainingEvent<?, ?> event) {
    return EventLog.describe(event);
  }

  @Test
  void eventsComeInTheDocumentedOrderAndEndWithRunEnded() {
    StepVerifier.create(run(2, 1, 1).events().map(EventStreamTest::name))
        .expectNext("RunStarted", "EpochStarted(0,TRAIN)",
            "StepStarted(0,TRAIN)", "StepEnded(0,TRAIN)",
            "StepStarted(1,TRAIN)", "StepEnded(1,TRAIN)",
            "EpochEnded(0,TRAIN)", "EpochStarted(0,VAL)",
            "StepStarted(0,VAL)", "StepEnded(0,VAL)",
            "EpochEnded(0,VAL)", "ValidationEnded(0)", "RunEnded(COMPLETED)")
        .verifyComplete();
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void aStepCadenceValidationRunsWholeBetweenTwoTrainStepsAsSubscribersSeeIt() {
    List<String> seen = new CopyOnWriteArrayList<>();

    run(6, 2, 1).validateEverySteps(3).subscribers(e -> seen.add(name(e))).block();

    assertThat(seen).containsExactly("RunStarted", "EpochStarted(0,TRAIN)",
        "StepStarted(0,TRAIN)", "StepEnded(0,TRAIN)", "StepStarted(1,TRAIN)", "StepEnded(1,TRAIN)",
        "StepStarted(2,TRAIN)", "StepEnded(2,TRAIN)",
        "EpochStarted(0,VAL)", "StepStarted(0,VAL)", "StepEnded(0,VAL)",
        "StepStarted(1,VAL)", "StepEnded(1,VAL)", "EpochEnded(0,VAL)", "ValidationEnded(0)",
        "StepStarted(3,TRAIN)", "StepEnded(3,TRAIN)", "StepStarted(4,TRAIN)", "StepEnded(4,TRAIN)",
        "StepStarted(5,TRAIN)", "StepEnded(5,TRAIN)",
        "EpochStarted(0,VAL)", "StepStarted(2,VAL)", "StepEnded(2,VAL)",
        "StepStarted(3,VAL)", "StepEnded(3,VAL)", "EpochEnded(0,VAL)", "ValidationEnded(0)",
        "EpochEnded(0,TRAIN)", "RunEnded(COMPLETED)");
  }

  @Test
  void synchronousSubscribersSeeEveryEventBeforeItIsEmittedInRegistrationOrder() {
    List<String> log = new CopyOnWriteArrayList<>();
    TrainingSubscriber<Object, Object> a = e -> log.add("a:" + name(e));
    TrainingSubscriber<Object, Object> b = e -> log.add("b:" + name(e));

    run(1, 0, 1).subscribers(a, b).events()
        .doOnNext(e -> log.add("emitted:" + name(e)))
        .blockLast();

    assertThat(log).startsWith("a:RunStarted", "b:RunStarted", "emitted:RunStarted",
        "a:EpochStarted(0,TRAIN)", "b:EpochStarted(0,TRAIN)", "emitted:EpochStarted(0,TRAIN)");
    assertThat(log).endsWith("a:RunEnded(COMPLETED)", "b:RunEnded(COMPLETED)",
        "emitted:RunEnded(COMPLETED)");
  }

  @Test
  void epochEndedCarriesTheMergeOfItsStepOutputsComputedOnce() {
    List<TrainingEvent<CountingExperiment, MeanMetric>> events =
        run(5, 2, 2).events().collectList().block();

    for (Mode mode : List.of(Mode.TRAIN, Mode.VAL)) {
      for (int epoch = 0; epoch < 2; epoch++) {
        int e = epoch;
        MeanMetric expected = events.stream()
            .filter(ev -> ev instanceof TrainingEvent.StepEnded<?, ?> s
                && s.mode() == mode && s.epoch() == e)
            .map(ev -> ((TrainingEvent.StepEnded<CountingExperiment, MeanMetric>) ev).outputs())
            .reduce(MeanMetric::merge).orElseThrow();
        TrainingEvent.EpochEnded<CountingExperiment, MeanMetric> end = events.stream()
            .filter(ev -> ev instanceof TrainingEvent.EpochEnded<?, ?> x
                && x.mode() == mode && x.epoch() == e)
            .map(ev -> (TrainingEvent.EpochEnded<CountingExperiment, MeanMetric>) ev)
            .findFirst().orElseThrow();
        assertThat(end.metrics()).isEqualTo(expected);
        assertThat(end.values()).isEqualTo(expected.compute());
        assertThat(end.steps()).isEqualTo(mode == Mode.TRAIN ? 5 : 2);
      }
    }
    assertThat(events).filteredOn(TrainingEvent.ValidationEnded.class::isInstance)
        .extracting(ev -> ((TrainingEvent.ValidationEnded<?, ?>) ev).position().epoch())
        .containsExactly(1, 2);
  }

  @Test
  void noFurtherStepStartsWhileTheEventSubscriberHasNoDemand() {
    java.util.concurrent.atomic.AtomicLong stepsRun = new java.util.concurrent.atomic.AtomicLong();
    Run<CountingExperiment, io.solstice.reactive.fixtures.CountingBatch, MeanMetric> counted =
        Solstice.run(CountingExperiment.withAction(n -> stepsRun.incrementAndGet()))
            .train(Sources.counting(ledger, 50));
    StepVerifier.create(counted.events(), 3)
        .expectNextCount(3) // RunStarted, EpochStarted, StepStarted(0)
        // StepStarted(0) comes before step 0 itself runs: first let it run, however slowly.
        .then(() -> org.awaitility.Awaitility.await().atMost(30, TimeUnit.SECONDS)
            .until(() -> stepsRun.get() >= 1))
        // Then time in which a run that ignored demand would step ahead.
        .expectNoEvent(Duration.ofMillis(200))
        .then(() -> assertThat(stepsRun).hasValue(1))
        .then(() -> assertThat(ledger.created()).isLessThanOrEqualTo(4 + 2))
        .thenRequest(Long.MAX_VALUE)
        .expectNextCount(2 * 50 - 1 + 2) // the other steps, EpochEnded, RunEnded
        .verifyComplete();
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void cancellingTheEventsEndsTheRunAndTerminatedSignalsWhenEverythingIsReleased() {
    AtomicReference<RunControl> control = new AtomicReference<>();
    List<String> seen = new CopyOnWriteArrayList<>();

    StepVerifier.create(run(-1, 0, 1)
            .subscribers(e -> seen.add(name(e)))
            .events()
            .doOnNext(e -> control.compareAndSet(null, e.run())))
        .expectNextCount(10)
        .thenCancel()
        .verify();

    control.get().terminated().block(Duration.ofSeconds(10));
    assertThat(seen).last().isEqualTo("RunEnded(CANCELLED)");
    assertThat(ledger.alive()).isZero();
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void aFlowSubscriberStopsTheRunWithFilterAndStop() {
    TrainingSubscriber<Object, Object> stopAfterFourSteps = TrainingSubscriber.flow(events -> events
        .filter(e -> e instanceof TrainingEvent.StepEnded<?, ?> s && s.globalStep() == 3)
        .doOnNext(e -> e.run().stop("four steps are enough")));

    List<TrainingEvent<CountingExperiment, MeanMetric>> events =
        run(10, 1, 3).subscribers(stopAfterFourSteps).events().collectList().block();

    assertThat(events).filteredOn(TrainingEvent.StepEnded.class::isInstance).hasSize(4);
    TrainingEvent.RunEnded<?, ?> end = (TrainingEvent.RunEnded<?, ?>) events.get(events.size() - 1);
    assertThat(end.outcome().status()).isEqualTo(RunOutcome.Status.STOPPED_EARLY);
    assertThat(end.outcome().cause()).hasMessage("four steps are enough");
    assertThat(((CountingExperiment) end.experiment()).trained()).isEqualTo(4);
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void aFlowSubscriberReducesPerEpochOnTheTrainingThread() {
    List<String> table = new ArrayList<>();
    List<Thread> threads = new CopyOnWriteArrayList<>();
    TrainingSubscriber<Object, Object> perEpochTable = TrainingSubscriber.flow(events -> events
        .doOnNext(e -> threads.add(Thread.currentThread()))
        .filter(e -> e instanceof TrainingEvent.EpochEnded<?, ?> end && end.mode() == Mode.TRAIN)
        .map(e -> ((TrainingEvent.EpochEnded<?, ?>) e).epoch() + ":"
            + ((TrainingEvent.EpochEnded<?, ?>) e).values().get("id"))
        .reduce(new StringBuilder(), (sb, row) -> sb.append(row).append(';'))
        .doOnNext(sb -> table.add(sb.toString())));

    run(2, 0, 2).subscribers(perEpochTable).block();

    assertThat(table).containsExactly("0:0.5;1:2.5;");
    assertThat(threads).allSatisfy(t -> assertThat(t.getName()).startsWith("solstice-step-"));
  }

  @Test
  void aFailingFlowFailsTheRunAndAnEarlyStopExceptionInItStopsIt() {
    TrainingSubscriber<Object, Object> failing = TrainingSubscriber.flow(events -> events
        .filter(TrainingEvent.StepEnded.class::isInstance)
        .map(e -> {
          throw new IllegalStateException("flow broke");
        }));
    assertThatThrownBy(() -> run(3, 0, 1).subscribers(failing).block())
        .isInstanceOf(TrainingException.class)
        .hasRootCauseMessage("flow broke");

    TrainingSubscriber<Object, Object> stopping = TrainingSubscriber.flow(events -> events
        .filter(TrainingEvent.StepEnded.class::isInstance)
        .doOnNext(e -> {
          throw new EarlyStoppingException("enough");
        }));
    assertThat(run(3, 0, 1).subscribers(stopping).block().trained()).isEqualTo(1);
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void aSubscriberFailureFailsTheRunOnceWithNothingDroppedAndEveryBatchClosed() {
    List<Throwable> dropped = new CopyOnWriteArrayList<>();
    reactor.core.publisher.Hooks.onErrorDropped(dropped::add);
    try {
      TrainingSubscriber<Object, Object> failing = e -> {
        if (e instanceof TrainingEvent.StepEnded<?, ?> s && s.globalStep() == 2) {
          throw new IllegalStateException("subscriber broke");
        }
      };
      List<String> seen = new CopyOnWriteArrayList<>();
      assertThatThrownBy(() -> run(10, 0, 1).subscribers(failing, e -> seen.add(name(e)))
              .block())
          .isInstanceOf(TrainingException.class)
          .hasMessageContaining("step 2")
          .hasRootCauseMessage("subscriber broke");
      assertThat(seen).last().isEqualTo("RunEnded(FAILED)");
      assertThat(seen).doesNotContain("StepEnded(2,TRAIN)", "StepStarted(3,TRAIN)");
      assertThat(dropped).isEmpty();
      assertThat(ledger.alive()).isZero();
    } finally {
      reactor.core.publisher.Hooks.resetOnErrorDropped();
    }
  }

  @Test
  void aFailureWhileTheSourceIsStillOpenEndsTheRunPromptlyWithTheSourceReleased() {
    for (String failAt : List.of("StepStarted(2,TRAIN)", "StepEnded(2,TRAIN)",
        "EpochStarted(0,TRAIN)")) {
      Ledger endless = new Ledger();
      TrainingSubscriber<Object, Object> failing = e -> {
        if (name(e).equals(failAt)) {
          throw new IllegalStateException("broke at " + failAt);
        }
      };
      long started = System.nanoTime();
      assertThatThrownBy(() -> Solstice.run(CountingExperiment.fresh())
              .train(Sources.counting(endless, -1)).subscribers(failing).block())
          .hasRootCauseMessage("broke at " + failAt);
      // Far less than forever (the source is endless), with room for a slow machine.
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
      assertThat(endless.alive()).as(failAt).isZero();
      assertThat(endless.notClosedExactlyOnce()).as(failAt).isEmpty();
    }
  }

  @Test
  void aBatchIsOpenForSynchronousSubscribersAndRefusedAfterwards() {
    List<Boolean> openWhileHandled = new ArrayList<>();
    List<TrainingEvent.StepEnded<CountingExperiment, MeanMetric>> steps = run(2, 0, 1)
        .subscribers(e -> {
          if (e instanceof TrainingEvent.StepEnded<?, ?> s) {
            openWhileHandled.add(s.batch().isOpen() && s.batch().get() != null);
          }
        })
        .steps().collectList().block();

    assertThat(openWhileHandled).containsExactly(true, true);
    assertThat(steps).allSatisfy(s -> {
      assertThat(s.batch().isOpen()).isFalse();
      assertThatThrownBy(() -> s.batch().get()).isInstanceOf(IllegalStateException.class);
    });
  }

  @Test
  void aSlowAsynchronousSubscriberNeverStallsTheRunAndCountsWhatItDropped()
      throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    List<String> received = new CopyOnWriteArrayList<>();
    AsyncSubscriber<Object, Object> blocked = AsyncSubscriber.dropOldest(4, events -> events
        .doOnNext(e -> {
          await(release);
          received.add(name(e));
        }));

    CountingExperiment trained = run(200, 0, 1).asyncSubscribers(blocked).block();

    assertThat(trained.trained()).isEqualTo(200); // the run finished while the subscriber slept
    release.countDown();
    org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS)
        .until(() -> received.contains("RunEnded(COMPLETED)"));
    long events = 2 * 200 + 4; // Run and Epoch Started and Ended, two per step
    assertThat(blocked.delivered() + blocked.dropped()).isEqualTo(events);
    assertThat(blocked.dropped()).isGreaterThanOrEqualTo(events - 6);
    assertThat(received).last().isEqualTo("RunEnded(COMPLETED)");
  }

  @Test
  void anAsynchronousSubscriberCanFeedAnyReactorSink() {
    Sinks.Many<String> feed = Sinks.many().replay().all();
    AsyncSubscriber<Object, Object> toFeed = AsyncSubscriber.dropOldest(1024, events -> events
        .filter(e -> e instanceof TrainingEvent.EpochEnded<?, ?>)
        .map(EventStreamTest::name)
        .doOnNext(feed::tryEmitNext)
        .doOnComplete(feed::tryEmitComplete));

    run(3, 1, 2).asyncSubscribers(toFeed).block();

    StepVerifier.create(feed.asFlux())
        .expectNext("EpochEnded(0,TRAIN)", "EpochEnded(0,VAL)", "EpochEnded(1,TRAIN)",
            "EpochEnded(1,VAL)")
        .expectComplete()
        .verify(Duration.ofSeconds(10));
    assertThat(toFeed.dropped()).isZero();
  }

  @Test
  void aRunIsAValueEverySubscriptionIsANewRunAndSettersLeaveTheOriginalUnchanged() {
    Run<CountingExperiment, io.solstice.reactive.fixtures.CountingBatch, MeanMetric> oneEpoch =
        run(3, 0, 1);
    Run<CountingExperiment, io.solstice.reactive.fixtures.CountingBatch, MeanMetric> twoEpochs =
        oneEpoch.epochs(2);

    assertThat(oneEpoch.block().trained()).isEqualTo(3);
    assertThat(twoEpochs.block().trained()).isEqualTo(6);
    assertThat(oneEpoch.steps().count().block()).isEqualTo(3);
    assertThat(ledger.created()).isEqualTo(3 + 6 + 3);
  }

  @Test
  void aTestRunsMetricsAreTheReduceOfItsOutputs() {
    MeanMetric metrics = Solstice.run(CountingExperiment.fresh())
        .test(Sources.counting(ledger, 4)).metrics().block();

    assertThat(metrics.weight()).isEqualTo(4.0);
    assertThat(metrics.mean()).isEqualTo(1.5);
    assertThatThrownBy(() -> run(1, 0, 1).metrics()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> run(1, 0, 1).test(Flux.empty()))
        .isInstanceOf(IllegalStateException.class);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
