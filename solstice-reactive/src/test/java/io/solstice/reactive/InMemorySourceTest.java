package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.reactive.fixtures.CountingBatch;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Threads;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * A source already in memory ({@code Flux.fromIterable} of a list) is taken by the training thread
 * itself, one batch at a time, with no reader thread: what it changes and every guarantee it
 * keeps (ownership, one batch ahead at most, prompt ends on completion, limits and cancellation).
 */
class InMemorySourceTest {

  @Test
  void aListIsReadOnTheTrainingThreadOneBatchAtATime() {
    Ledger ledger = new Ledger();
    WatchedList batches = WatchedList.of(ledger, 8);
    List<Integer> inFlightAtEachStep = new ArrayList<>();

    CountingExperiment result = Solstice.run(CountingExperiment.fresh())
        .train(Flux.fromIterable(batches))
        .stepThreadFactory(r -> new Thread(r, "the-training-thread"))
        .subscribers(event -> {
          if (event instanceof TrainingEvent.StepStarted<?, ?> started) {
            inFlightAtEachStep.add(started.run().batchesInFlight());
          }
        })
        .block();

    assertThat(result.trained()).isEqualTo(8);
    assertThat(batches.readingThreads).extracting(Thread::getName)
        .containsExactly("the-training-thread");
    // Nothing is read ahead: while a step runs, the run holds no other batch of the list.
    assertThat(inFlightAtEachStep).hasSize(8).containsOnly(0);
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void aMappedListGoesThroughTheReaderThread() {
    Ledger ledger = new Ledger();
    WatchedList batches = WatchedList.of(ledger, 4);

    Solstice.run(CountingExperiment.fresh())
        .train(Flux.fromIterable(batches).map(batch -> batch))
        .stepThreadFactory(r -> new Thread(r, "the-training-thread"))
        .block();

    assertThat(batches.readingThreads).extracting(Thread::getName)
        .allMatch(name -> name.startsWith("solstice-source-train-"));
  }

  @Test
  void aLimitEndsTheEpochAndTheRunOwnsOnlyTheBatchesItWasGiven() {
    Ledger ledger = new Ledger();
    WatchedList batches = WatchedList.of(ledger, 10);

    CountingExperiment result = Solstice.run(CountingExperiment.fresh())
        .train(Flux.fromIterable(batches)).limitTrainBatches(3)
        .block();

    assertThat(result.trained()).isEqualTo(3);
    // The run closed the batches it was given; the list's other batches were never the run's.
    for (long id = 0; id < 10; id++) {
      assertThat(ledger.isClosed(id)).as("batch %d closed", id).isEqualTo(id < 3);
    }
  }

  @Test
  void aRunCancelledDuringAStepEndsPromptlyAndClosesWhatItWasGiven() throws InterruptedException {
    Ledger ledger = new Ledger();
    WatchedList batches = WatchedList.of(ledger, 50);
    CountDownLatch inThirdStep = new CountDownLatch(1);
    CountDownLatch disposed = new CountDownLatch(1);
    AtomicBoolean heldUntilDisposed = new AtomicBoolean();
    CountDownLatch ended = new CountDownLatch(1);
    // The third step waits for the test's cancel, so the cancel lands inside it however slowly
    // the test's thread gets there (a fixed sleep let a late cancel fall into a later step).
    CountingExperiment slow = CountingExperiment.withAction(stepsBefore -> {
      if (stepsBefore == 2) {
        inThirdStep.countDown();
        heldUntilDisposed.set(Threads.awaitInStep(disposed));
      }
    });

    Disposable run = Solstice.run(slow).train(Flux.fromIterable(batches))
        .subscribers(event -> {
          if (event instanceof TrainingEvent.RunEnded<?, ?>) {
            ended.countDown();
          }
        })
        .events().subscribe();
    assertThat(inThirdStep.await(10, TimeUnit.SECONDS)).isTrue();
    run.dispose();
    disposed.countDown();

    assertThat(ended.await(5, TimeUnit.SECONDS)).as("RunEnded after the cancel").isTrue();
    assertThat(heldUntilDisposed).as("the cancel came while the third step ran").isTrue();
    // The run was given the batches up to the one after the step it was cancelled in, at most,
    // and closed exactly those; the rest of the list is still the caller's.
    long given = IntStream.range(0, 50).filter(id -> ledger.isClosed(id)).count();
    assertThat(given).isBetween(3L, 4L);
    for (long id = 0; id < 50; id++) {
      assertThat(ledger.isClosed(id)).as("batch %d closed", id).isEqualTo(id < given);
    }
    assertThat(ledger.notClosedExactlyOnce()).hasSize(50 - (int) given);
  }

  /** A list of batches that records the threads that read it. */
  private static final class WatchedList extends AbstractList<CountingBatch> {
    private final List<CountingBatch> batches;
    final Set<Thread> readingThreads = ConcurrentHashMap.newKeySet();

    private WatchedList(List<CountingBatch> batches) {
      this.batches = batches;
    }

    static WatchedList of(Ledger ledger, int n) {
      List<CountingBatch> batches = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        batches.add(ledger.create(i, 2 * i + 1));
      }
      return new WatchedList(batches);
    }

    @Override
    public CountingBatch get(int index) {
      readingThreads.add(Thread.currentThread());
      return batches.get(index);
    }

    @Override
    public int size() {
      return batches.size();
    }
  }
}
