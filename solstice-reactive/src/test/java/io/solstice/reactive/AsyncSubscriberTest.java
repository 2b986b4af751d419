package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.EarlyStoppingException;
import io.solstice.core.RunOutcome;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.EventLog;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Recorder;
import io.solstice.reactive.fixtures.Sources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.subscriber.TestSubscriber;

/**
 * Asynchronous subscribers: the same events as the synchronous ones, in order, on their own
 * thread, behind Reactor's backpressure operators (drop-oldest or latest, counted), never
 * stalling the step, and with errors that stay theirs.
 */
class AsyncSubscriberTest {

  private static final Duration WITHIN = Duration.ofSeconds(20);

  /** A train run of 200 batches, one epoch, no validation: 1 + 1 + 200 * 2 + 1 + 1 events. */
  private static final long EVENTS_OF_200_STEPS = 404;

  @Test
  void aSubscriberThatKeepsUpReceivesEveryEventInTheRunsOrderOnItsOwnThread() throws Exception {
    EventLog synchronous = new EventLog();
    CompletableFuture<List<String>> seen = new CompletableFuture<>();
    Set<Thread> deliveryThreads = ConcurrentHashMap.newKeySet();
    Scheduler scheduler = Schedulers.newSingle("async-subscriber");
    AsyncSubscriber<Object, Object> subscriber = AsyncSubscriber.<Object, Object>dropOldest(10_000,
        events -> events
            .doOnNext(event -> deliveryThreads.add(Thread.currentThread()))
            .map(EventLog::describe)
            .collectList()
            .doOnNext(seen::complete))
        .on(scheduler);
    try {
      Solstice.run(CountingExperiment.fresh())
          .train(Sources.counting(new Ledger(), 3)).validate(Sources.counting(new Ledger(), 2))
          .epochs(2)
          .subscribers(synchronous).asyncSubscribers(subscriber)
          .block();

      List<String> delivered = seen.get(10, TimeUnit.SECONDS);
      assertThat(delivered).containsExactlyElementsOf(synchronous.lines())
          .startsWith("RunStarted").contains("ValidationEnded(1)").endsWith("RunEnded(COMPLETED)");
      assertThat(subscriber.dropped()).isZero();
      assertThat(subscriber.delivered()).isEqualTo(delivered.size());
      assertThat(deliveryThreads).singleElement()
          .satisfies(t -> assertThat(t.getName()).startsWith("async-subscriber"))
          .isNotIn(synchronous.threads());
    } finally {
      scheduler.dispose();
    }
  }

  @Test
  void aBlockedSubscriberNeverStallsTheStepAndLosesItsOldestEventsCounted() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<String> delivered = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    // Blocked on its first event until the run is over: if handing it events could stall the
    // step, the run would never finish.
    AsyncSubscriber<Object, Object> blocked =
        AsyncSubscriber.dropOldest(8, blockedFlow(delivered, release, done));
    var run = Solstice.run(CountingExperiment.fresh()).train(Sources.counting(new Ledger(), 200))
        .subscribers(firstStepWaitsFor(delivered))
        .asyncSubscribers(blocked);
    try {
      StepVerifier.create(run.steps())
          .expectNextCount(200)
          .expectComplete()
          .verify(WITHIN);

      // Everything after RunStarted met a full buffer of 8 and pushed out the oldest.
      assertThat(delivered).containsExactly("RunStarted");
      assertThat(blocked.delivered()).isEqualTo(1);
      assertThat(blocked.dropped()).isEqualTo(EVENTS_OF_200_STEPS - 1 - 8);

      release.countDown();
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(blocked.delivered()).isEqualTo(1 + 8);
      assertThat(blocked.dropped() + blocked.delivered()).isEqualTo(EVENTS_OF_200_STEPS);
      // The survivors are the newest events, in order, RunEnded last.
      assertThat(delivered).containsExactly("RunStarted",
          "StepStarted(197,TRAIN)", "StepEnded(197,TRAIN)",
          "StepStarted(198,TRAIN)", "StepEnded(198,TRAIN)",
          "StepStarted(199,TRAIN)", "StepEnded(199,TRAIN)",
          "EpochEnded(0,TRAIN)", "RunEnded(COMPLETED)");
    } finally {
      release.countDown();
    }
  }

  @Test
  void aLatestSubscriberThatFallsBehindSeesOnlyTheMostRecentEvent() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<String> delivered = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    AsyncSubscriber<Object, Object> latest =
        AsyncSubscriber.latest(blockedFlow(delivered, release, done));
    try {
      CountingExperiment result = Solstice.run(CountingExperiment.fresh())
          .train(Sources.counting(new Ledger(), 200))
          .subscribers(firstStepWaitsFor(delivered))
          .asyncSubscribers(latest)
          .experiment().block(WITHIN);

      assertThat(result.trained()).isEqualTo(200);
      assertThat(latest.dropped()).isEqualTo(EVENTS_OF_200_STEPS - 2);
      release.countDown();
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(delivered).containsExactly("RunStarted", "RunEnded(COMPLETED)");
      assertThat(latest.delivered()).isEqualTo(2);
    } finally {
      release.countDown();
    }
  }

  @Test
  void aPlainReactiveStreamsSubscriberGetsTheEventsWithItsOwnDemandAndTheRestIsDropped() {
    // No demand at all while the run goes: the subscriber is as slow as can be.
    TestSubscriber<TrainingEvent<Object, Object>> idle =
        TestSubscriber.builder().initialRequest(0).build();
    AsyncSubscriber<Object, Object> subscriber = AsyncSubscriber.of(4, idle);

    CountingExperiment result = Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(new Ledger(), 200))
        .asyncSubscribers(subscriber)
        .experiment().block(WITHIN);

    assertThat(result.trained()).isEqualTo(200);
    idle.request(Long.MAX_VALUE);
    idle.block(Duration.ofSeconds(10));
    assertThat(idle.isTerminatedComplete()).isTrue();
    // publishOn holds the first event it was allowed to take; the buffer the four newest.
    assertThat(idle.getReceivedOnNext()).extracting(EventLog::describe).containsExactly(
        "RunStarted", "StepStarted(199,TRAIN)", "StepEnded(199,TRAIN)", "EpochEnded(0,TRAIN)",
        "RunEnded(COMPLETED)");
    assertThat(subscriber.dropped()).isEqualTo(EVENTS_OF_200_STEPS - 5);
  }

  @Test
  void errorsOfAnAsynchronousSubscriberNeverReachTheRun() throws Exception {
    List<String> seenByFailing = new CopyOnWriteArrayList<>();
    CountDownLatch failed = new CountDownLatch(1);
    AsyncSubscriber<Object, Object> failsAtStep3 = AsyncSubscriber.dropOldest(1_000, events -> events
        .doOnNext(event -> seenByFailing.add(EventLog.describe(event)))
        .doOnNext(event -> {
          if (EventLog.describe(event).equals("StepEnded(3,TRAIN)")) {
            throw new IllegalStateException("async subscriber broke");
          }
        })
        .doOnError(error -> failed.countDown()));
    AsyncSubscriber<Object, Object> failingPublisher =
        AsyncSubscriber.dropOldest(16, events -> Flux.error(new IllegalStateException("no")));
    AsyncSubscriber<Object, Object> failingEarly = AsyncSubscriber.dropOldest(16, events -> {
      throw new IllegalStateException("the flow itself cannot be built");
    });
    Recorder recorder = Recorder.of("a", Recorder.newLog());

    StepVerifier.create(Solstice.run(CountingExperiment.fresh())
            .train(Sources.counting(new Ledger(), 6))
            .callbacks(recorder)
            .asyncSubscribers(failsAtStep3, failingPublisher, failingEarly)
            .experiment())
        .assertNext(experiment -> assertThat(experiment.trained()).isEqualTo(6))
        .verifyComplete();

    assertThat(recorder.outcome()).isEqualTo(RunOutcome.COMPLETED);
    assertThat(failed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(seenByFailing).as("no event is delivered after the subscriber's error")
        .endsWith("StepStarted(3,TRAIN)", "StepEnded(3,TRAIN)");
  }

  @Test
  void aStopFromAnAsynchronousSubscriberTakesEffectAtAStepBoundary() {
    List<String> log = Recorder.newLog();
    Recorder recorder = Recorder.of("a", log);
    AsyncSubscriber<Object, Object> stopper = AsyncSubscriber.dropOldest(64, events -> events
        // At or after step 5: on a busy machine the fast run may drop step 5's event from this
        // subscriber's buffer before it is delivered.
        .filter(event -> event instanceof TrainingEvent.StepEnded<?, ?> step
            && step.globalStep() >= 5)
        .doOnNext(event -> event.run().stop("the dashboard says stop")));

    // An unbounded source: only the stop can end this run.
    CountingExperiment result = Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(new Ledger(), -1))
        .callbacks(recorder).asyncSubscribers(stopper)
        .experiment().block(WITHIN);

    assertThat(result.trained()).isGreaterThanOrEqualTo(6);
    assertThat(recorder.outcome().status()).isEqualTo(RunOutcome.Status.STOPPED_EARLY);
    assertThat(recorder.outcome().cause()).isInstanceOf(EarlyStoppingException.class)
        .hasMessage("the dashboard says stop");
    // A step boundary: the last step ran whole, then the epoch ended. A stop that arrives from
    // another thread while the next step's StepStarted is delivered counts as a stop from
    // StepStarted: that step is announced but does not run (ENGINE.md, early stopping).
    long last = result.trained() - 1;
    List<String> tail = log.subList(log.size() - 2, log.size());
    assertThat(tail).containsExactly("a:onEpochEnd(0,TRAIN)", "a:onRunEnd(STOPPED_EARLY)");
    List<String> steps = new ArrayList<>(log.subList(0, log.size() - 2));
    if (steps.get(steps.size() - 1).equals("a:onStepStart(" + (last + 1) + ",TRAIN)")) {
      steps.remove(steps.size() - 1);
    }
    assertThat(steps).endsWith("a:onStepEnd(" + last + ",TRAIN)");
  }

  @Test
  void aCancelledRunEndsItsAsynchronousSubscribersWithRunEndedCancelled() {
    TestSubscriber<TrainingEvent<Object, Object>> subscriber = TestSubscriber.create();

    List<TrainingEvent.StepEnded<CountingExperiment, MeanMetric>> steps =
        Solstice.run(CountingExperiment.fresh())
            .train(Sources.counting(new Ledger(), -1))
            .asyncSubscribers(AsyncSubscriber.of(10_000, subscriber))
            .steps().take(5).collectList().block(WITHIN);
    steps.get(0).run().terminated().block(WITHIN);

    subscriber.block(Duration.ofSeconds(10));
    assertThat(subscriber.isTerminatedComplete()).isTrue();
    List<TrainingEvent<Object, Object>> received = subscriber.getReceivedOnNext();
    assertThat(received).extracting(EventLog::describe)
        .startsWith("RunStarted", "EpochStarted(0,TRAIN)", "StepStarted(0,TRAIN)")
        .endsWith("RunEnded(CANCELLED)")
        .contains("StepEnded(4,TRAIN)");
  }

  @Test
  void oneSubscriberServesSeveralRunsAtOnceAndItsCountersAddUp() throws Exception {
    List<Long> runsSeen = new CopyOnWriteArrayList<>();
    CountDownLatch bothEnded = new CountDownLatch(2);
    AsyncSubscriber<Object, Object> shared = AsyncSubscriber.dropOldest(10_000, events -> events
        .filter(TrainingEvent.RunEnded.class::isInstance)
        .doOnNext(event -> runsSeen.add(event.run().id()))
        .doOnComplete(bothEnded::countDown));
    Function<Integer, Publisher<CountingExperiment>> run = batches ->
        Solstice.run(CountingExperiment.fresh()).train(Sources.counting(new Ledger(), batches))
            .asyncSubscribers(shared).experiment();

    List<CountingExperiment> results =
        Flux.merge(run.apply(10), run.apply(20)).collectList().block(WITHIN);

    assertThat(results).extracting(CountingExperiment::trained).containsExactlyInAnyOrder(10L, 20L);
    assertThat(bothEnded.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(runsSeen).hasSize(2).doesNotHaveDuplicates();
    assertThat(shared.delivered()).isEqualTo((1 + 1 + 10 * 2 + 1 + 1) + (1 + 1 + 20 * 2 + 1 + 1));
    assertThat(shared.dropped()).isZero();
  }

  /**
   * A flow that records each event and then blocks until {@code release}, so that it falls
   * behind at its first event; {@code done} counts down when its events complete.
   */
  private static Function<Flux<TrainingEvent<Object, Object>>, Publisher<?>> blockedFlow(
      List<String> delivered, CountDownLatch release, CountDownLatch done) {
    return events -> events
        .doOnNext(event -> {
          delivered.add(EventLog.describe(event));
          await(release);
        })
        .doOnComplete(done::countDown);
  }

  /**
   * A synchronous subscriber that holds the first step until the asynchronous subscriber has
   * taken its first event, so that what it then misses is known exactly.
   */
  private static TrainingSubscriber<Object, Object> firstStepWaitsFor(List<String> delivered) {
    return event -> {
      if (EventLog.describe(event).equals("StepStarted(0,TRAIN)")) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (delivered.isEmpty() && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
      }
    };
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
