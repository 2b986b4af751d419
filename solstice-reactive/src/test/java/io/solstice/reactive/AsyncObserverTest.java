package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Recorder;
import io.solstice.reactive.fixtures.Sources;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Asynchronous observers: same events as the callbacks, their own thread, drop-oldest. */
class AsyncObserverTest {

  @Test
  void anObserverThatKeepsUpReceivesTheSameEventsAsTheCallbacksInOrderOnItsOwnThread()
      throws Exception {
    List<String> log = Recorder.newLog();
    Recorder recorder = Recorder.of("a", log);
    List<String> seen = new CopyOnWriteArrayList<>();
    Set<Thread> observerThreads = ConcurrentHashMap.newKeySet();
    Scheduler scheduler = Schedulers.newSingle("observer");
    AsyncObserver<CountingExperiment, MeanMetric> observer = AsyncObserver.of(event -> {
      observerThreads.add(Thread.currentThread());
      seen.add("a:" + describe(event));
    }, 10_000, scheduler);
    try {
      Solstice.train(CountingExperiment.fresh(), 2, Sources.counting(new Ledger(), 3),
          Sources.counting(new Ledger(), 2), List.of(recorder),
          TrainOptions.builder().observer(observer).build()).block();
      awaitIdle(observer);

      assertThat(seen).containsExactlyElementsOf(log);
      assertThat(observer.dropped()).isZero();
      assertThat(observerThreads).singleElement()
          .satisfies(t -> assertThat(t.getName()).startsWith("observer"))
          .isNotIn(recorder.threads());
    } finally {
      scheduler.dispose();
    }
  }

  @Test
  void anObserverThatFallsBehindLosesItsOldestEventsAndNeverStallsTheStep() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<TrainingEvent<CountingExperiment, MeanMetric>> delivered = new CopyOnWriteArrayList<>();
    Scheduler scheduler = Schedulers.newSingle("slow-observer");
    AsyncObserver<CountingExperiment, MeanMetric> stuck = AsyncObserver.of(event -> {
      delivered.add(event);
      await(release);
    }, 8, scheduler);
    try {
      // The observer blocks on its first event until the run is over: if publishing could
      // stall the step, this run would never finish.
      // To make the dropped events predictable, the first step waits until the observer has
      // taken the first event (and is stuck on it).
      io.solstice.core.Callback<Object, Object, Object> firstEventTaken =
          new io.solstice.core.Callback<>() {
            @Override
            public void onStepStart(Object e, long step, io.solstice.core.Mode mode, Object b) {
              while (step == 0 && delivered.isEmpty()) {
                Thread.onSpinWait();
              }
            }
          };
      CountingExperiment result = Solstice.train(CountingExperiment.fresh(), 1,
              Sources.counting(new Ledger(), 200), null, List.of(firstEventTaken),
              TrainOptions.builder().observer(stuck).build())
          .block(Duration.ofSeconds(20));
      assertThat(result.trained()).isEqualTo(200);
      assertThat(delivered).hasSize(1);

      release.countDown();
      awaitIdle(stuck);

      long events = 1 + 200 * 2 + 1 + 1; // epoch start, steps, epoch end, run end
      assertThat(stuck.published()).isEqualTo(events);
      assertThat(stuck.delivered()).isEqualTo(1 + 8);
      assertThat(stuck.dropped()).isEqualTo(events - stuck.delivered());
      // The first event was being delivered when the observer fell behind; the survivors
      // are the newest events, in order.
      assertThat(delivered).extracting(AsyncObserverTest::describe).containsExactly(
          "onEpochStart(0,TRAIN)",
          "onStepStart(197,TRAIN)", "onStepEnd(197,TRAIN)",
          "onStepStart(198,TRAIN)", "onStepEnd(198,TRAIN)",
          "onStepStart(199,TRAIN)", "onStepEnd(199,TRAIN)",
          "onEpochEnd(0,TRAIN)", "onRunEnd(COMPLETED)");
    } finally {
      release.countDown();
      scheduler.dispose();
    }
  }

  @Test
  void anObserverWhoseSchedulerWasDisposedDropsItsEventsAndTrainingGoesOn() {
    Scheduler gone = Schedulers.newSingle("gone");
    gone.dispose();
    AsyncObserver<CountingExperiment, MeanMetric> orphan = AsyncObserver.of(event -> {}, 4, gone);

    CountingExperiment result = Solstice.train(CountingExperiment.fresh(), 1,
        Sources.counting(new Ledger(), 5), null, List.of(),
        TrainOptions.builder().observer(orphan).build()).block(Duration.ofSeconds(10));

    assertThat(result.trained()).isEqualTo(5);
    assertThat(orphan.delivered()).isZero();
    assertThat(orphan.dropped()).isEqualTo(orphan.published()).isEqualTo(1 + 5 * 2 + 1 + 1);
  }

  /** The event in the format of {@link Recorder}'s log. */
  private static String describe(TrainingEvent<?, ?> event) {
    if (event instanceof TrainingEvent.EpochStarted<?, ?> e) {
      return "onEpochStart(" + e.epoch() + "," + e.mode() + ")";
    } else if (event instanceof TrainingEvent.StepStarted<?, ?> e) {
      return "onStepStart(" + e.globalStep() + "," + e.mode() + ")";
    } else if (event instanceof TrainingEvent.StepEnded<?, ?> e) {
      return "onStepEnd(" + e.globalStep() + "," + e.mode() + ")";
    } else if (event instanceof TrainingEvent.EpochEnded<?, ?> e) {
      return "onEpochEnd(" + e.epoch() + "," + e.mode() + ")";
    } else {
      return "onRunEnd(" + ((TrainingEvent.RunEnded<?, ?>) event).outcome().status() + ")";
    }
  }

  private static void awaitIdle(AsyncObserver<?, ?> observer) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!(observer.isIdle() && observer.delivered() + observer.dropped() == observer.published())
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
