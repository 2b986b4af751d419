package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The fan-out: every branch gets every batch, the source is read once, the slowest branch paces it. */
class BroadcastTest {
  private static final int BATCHES = 12;

  private BufferAllocator allocator;
  private List<VectorSchemaRoot> stored;
  private final AtomicInteger reads = new AtomicInteger();

  @BeforeEach
  void data() {
    allocator = new RootAllocator();
    stored = TestData.roots(allocator, BATCHES, 4);
  }

  @AfterEach
  void closeEverything() {
    stored.forEach(VectorSchemaRoot::close);
    allocator.close(); // fails on a leaked byte
  }

  private Flux<ArrowBatch> source() {
    return ArrowSources.roots("t", stored, null, allocator, ReadOptions.defaults()).doOnNext(b -> reads.incrementAndGet());
  }

  @Test
  void everyBranchReceivesEveryBatchOverTheSameBuffersWhileTheSourceIsReadOnce() {
    List<Flux<ArrowBatch>> branches = ArrowFlux.broadcast(source(), 3, 2);
    List<List<long[]>> seen = Flux.fromIterable(branches)
        .flatMap(branch -> branch.publishOn(Schedulers.boundedElastic()).map(b -> {
          try (b) {
            return new long[] {((BigIntVector) b.root().getVector("id")).get(0), ArrowBatchSharingTest.dataAddress(b)};
          }
        }).collectList(), 3)
        .collectList()
        .block(Duration.ofSeconds(30));

    assertThat(reads).hasValue(BATCHES);
    assertThat(seen).hasSize(3);
    for (List<long[]> branch : seen) {
      assertThat(branch).extracting(row -> row[0])
          .containsExactly(0L, 4L, 8L, 12L, 16L, 20L, 24L, 28L, 32L, 36L, 40L, 44L);
      for (int i = 0; i < BATCHES; i++) {
        assertThat(branch.get(i)[1]).as("same pixel buffer in every branch").isEqualTo(seen.get(0).get(i)[1]);
      }
    }
  }

  @Test
  void theSlowestBranchBoundsHowFarTheSourceAndTheFastestBranchGetAhead() {
    int prefetch = 3;
    List<Flux<ArrowBatch>> branches = ArrowFlux.broadcast(source(), 2, prefetch);
    List<ArrowBatch> fastReceived = new CopyOnWriteArrayList<>();
    branches.get(0).subscribe(b -> {
      fastReceived.add(b);
      b.close();
    });
    ManualSubscriber slow = new ManualSubscriber();
    branches.get(1).subscribe(slow);

    // The source is generated on the requesting thread, so each request settles before it returns.
    assertThat(reads).hasValue(prefetch);
    for (int taken = 1; taken <= BATCHES; taken++) {
      slow.request(1);
      assertThat(slow.received).hasSize(taken);
      assertThat(reads.get()).as("reads after the slow branch took %d", taken)
          .isLessThanOrEqualTo(taken + prefetch);
      assertThat(fastReceived.size()).as("the fast branch after the slow one took %d", taken)
          .isLessThanOrEqualTo(taken + prefetch);
      assertThat(allocator.getChildAllocators()).as("source subscriptions").hasSizeLessThanOrEqualTo(1);
    }
    slow.request(1);
    assertThat(slow.completed).isTrue();
    assertThat(fastReceived).hasSize(BATCHES);
    slow.received.forEach(ArrowBatch::close);
  }

  @Test
  void aCancelledBranchHasItsQueueClosedAndTheOthersGoOn() {
    List<Flux<ArrowBatch>> branches = ArrowFlux.broadcast(source(), 2, 4);
    ManualSubscriber quitter = new ManualSubscriber();
    branches.get(0).subscribe(quitter);
    List<Long> rest = new ArrayList<>();
    StepVerifier.create(branches.get(1).map(b -> {
      try (b) {
        return ((BigIntVector) b.root().getVector("id")).get(0);
      }
    }), 0)
        .thenRequest(2)
        .expectNextCount(2)
        .then(() -> {
          quitter.request(1);
          quitter.cancel(); // it holds one batch and had more queued
        })
        .thenRequest(Long.MAX_VALUE)
        .recordWith(() -> rest)
        .thenConsumeWhile(x -> true)
        .expectComplete()
        .verify(Duration.ofSeconds(30));
    assertThat(rest).hasSize(BATCHES - 2);
    assertThat(reads).hasValue(BATCHES);
    quitter.received.forEach(ArrowBatch::close);
  }

  @Test
  void whenEveryBranchCancelsTheSourceIsCancelled() {
    AtomicBoolean sourceCancelled = new AtomicBoolean();
    List<Flux<ArrowBatch>> branches = ArrowFlux.broadcast(source().doOnCancel(() -> sourceCancelled.set(true)), 2, 2);
    StepVerifier.create(branches.get(0).take(3).doOnNext(ArrowBatch::close))
        .then(() -> branches.get(1).take(1).subscribe(ArrowBatch::close))
        .expectNextCount(3)
        .verifyComplete();
    assertThat(sourceCancelled).isTrue();
    assertThat(reads.get()).isLessThan(BATCHES);
  }

  @Test
  void aSourceErrorReachesEveryBranchAfterItsQueuedBatches() {
    Flux<ArrowBatch> failing = source().take(5).concatWith(Flux.error(new IllegalStateException("source broke")));
    List<Flux<ArrowBatch>> branches = ArrowFlux.broadcast(failing, 2, 8);
    AtomicInteger secondCount = new AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<Throwable> secondError = new java.util.concurrent.atomic.AtomicReference<>();
    branches.get(1).subscribe(b -> {
      secondCount.incrementAndGet();
      b.close();
    }, secondError::set);
    StepVerifier.create(branches.get(0).doOnNext(ArrowBatch::close))
        .expectNextCount(5)
        .expectErrorMessage("source broke")
        .verify(Duration.ofSeconds(30));
    assertThat(secondCount).hasValue(5);
    assertThat(secondError.get()).hasMessage("source broke");
  }

  @Test
  void aBranchServesOneSubscriber() {
    List<Flux<ArrowBatch>> branches = ArrowFlux.broadcast(source(), 1, 2);
    StepVerifier.create(branches.get(0).doOnNext(ArrowBatch::close)).expectNextCount(BATCHES).verifyComplete();
    assertThatThrownBy(() -> branches.get(0).blockFirst()).hasMessageContaining("already subscribed");
  }

  /** A subscriber that requests only when told, and keeps what it receives. */
  static final class ManualSubscriber extends BaseSubscriber<ArrowBatch> {
    final List<ArrowBatch> received = new CopyOnWriteArrayList<>();
    volatile boolean completed;

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
      // no request until the test asks
    }

    @Override
    protected void hookOnNext(ArrowBatch batch) {
      received.add(batch);
    }

    @Override
    protected void hookOnComplete() {
      completed = true;
    }
  }
}
