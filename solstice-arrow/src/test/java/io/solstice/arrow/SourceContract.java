package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * What every source of Arrow batches must do, whatever it reads (in the style of reactor-core's
 * shared operator scenarios: one suite, one small subclass per source). A subclass gives a source
 * of {@link #BATCHES} batches of {@link #ROWS} rows whose integer column {@code id} numbers the
 * rows from 0, and a broken input with the typed error it must fail with.
 *
 * <p>The rules: a source is cold (each subscription reads anew); it emits only what was
 * requested; cancelling it mid-stream releases everything; a broken input fails the flux with a
 * typed error; and every batch is closed once by its receiver, so that the allocator, closed
 * after each test, finds no byte left.
 */
public abstract class SourceContract {
  /** Batches in the source. */
  protected static final int BATCHES = 6;
  /** Rows per batch. */
  protected static final int ROWS = 8;

  /** The test's allocator: closing it after each test fails on a leaked byte. */
  protected BufferAllocator allocator;

  /** The source under test: cold, {@link #BATCHES} batches of {@link #ROWS} rows. */
  protected abstract Flux<ArrowBatch> source() throws Exception;

  /** A source over broken input. */
  protected abstract Flux<ArrowBatch> broken() throws Exception;

  /** The type of the error {@link #broken()} fails with. */
  protected abstract Class<? extends Throwable> brokenError();

  /**
   * Whether the source completes while its receiver still holds every batch. A source that
   * completes only once its batches are finished (Kafka: so that its last commit covers them)
   * answers false, and the ownership rule is checked on its first {@link #BATCHES} batches
   * without waiting for completion.
   */
  protected boolean completesWhileBatchesAreHeld() {
    return true;
  }

  /** Opens what the source reads (files, servers, topics); called after the allocator exists. */
  protected void open() throws Exception {}

  /** Releases what {@link #open()} started, before the allocator is closed. */
  protected void release() throws Exception {}

  @BeforeEach
  void createAllocatorAndOpen() throws Exception {
    allocator = new RootAllocator();
    open();
  }

  @AfterEach
  void releaseAndCloseTheAllocator() throws Exception {
    try {
      release();
      // Readers finish closing on their own threads after the flux terminated.
      await("every byte released").atMost(Duration.ofSeconds(20)).until(() -> allocator.getAllocatedMemory() == 0);
    } finally {
      allocator.close();
    }
  }

  private static List<Long> ids(ArrowBatch batch) {
    try (batch) {
      BaseIntVector id = (BaseIntVector) batch.root().getVector("id");
      return LongStream.range(0, batch.rowCount()).map(i -> id.getValueAsLong((int) i)).boxed().toList();
    }
  }

  private static List<Long> expectedIds() {
    return LongStream.range(0, (long) BATCHES * ROWS).boxed().toList();
  }

  @Test
  void eachSubscriptionReadsTheWholeSourceAnew() throws Exception {
    Flux<ArrowBatch> source = source();
    List<Long> first = source.concatMapIterable(SourceContract::ids).collectList().block(Duration.ofSeconds(60));
    List<Long> second = source.concatMapIterable(SourceContract::ids).collectList().block(Duration.ofSeconds(60));

    assertThat(first).isEqualTo(expectedIds());
    assertThat(second).isEqualTo(expectedIds());
  }

  @Test
  void itEmitsNoMoreThanWasRequested() throws Exception {
    AtomicLong requested = new AtomicLong();
    AtomicLong received = new AtomicLong();
    List<Long> overshoots = new ArrayList<>();
    BaseSubscriber<ArrowBatch> oneAtATime = new BaseSubscriber<>() {
      @Override
      protected void hookOnSubscribe(Subscription subscription) {
        requested.incrementAndGet();
        subscription.request(1);
      }

      @Override
      protected void hookOnNext(ArrowBatch batch) {
        batch.close();
        if (received.incrementAndGet() > requested.get()) {
          overshoots.add(received.get());
        }
        if (received.get() == 2) {
          return; // hold: the source must now wait, however long
        }
        requested.incrementAndGet();
        request(1);
      }
    };
    source().subscribe(oneAtATime);

    await().atMost(Duration.ofSeconds(30)).until(() -> received.get() == 2);
    // A source that ignored demand would have pushed more within this time; one that honours it
    // has nothing to send.
    Thread.sleep(300);
    assertThat(received.get()).isEqualTo(2);
    requested.addAndGet(BATCHES);
    oneAtATime.request(BATCHES);
    await().atMost(Duration.ofSeconds(30)).until(oneAtATime::isDisposed);
    assertThat(received.get()).isEqualTo(BATCHES);
    assertThat(overshoots).as("batches received beyond the demand").isEmpty();
  }

  @Test
  void cancellingMidStreamReleasesEverything() throws Exception {
    StepVerifier.create(source(), 2)
        .consumeNextWith(ArrowBatch::close)
        .consumeNextWith(ArrowBatch::close)
        .thenCancel()
        .verify(Duration.ofSeconds(30));
    // releaseAndCloseTheAllocator: every reader, buffer and child allocator is gone.
  }

  @Test
  void brokenInputFailsWithItsTypedError() throws Exception {
    StepVerifier.create(broken().doOnNext(ArrowBatch::close))
        .thenConsumeWhile(batch -> true)
        .expectError(brokenError())
        .verify(Duration.ofSeconds(30));
  }

  @Test
  void everyBatchIsOwnedByItsReceiverAndClosedOnce() throws Exception {
    Flux<ArrowBatch> source = completesWhileBatchesAreHeld() ? source() : source().take(BATCHES, true);
    List<ArrowBatch> batches = source.collectList().block(Duration.ofSeconds(60));
    assertThat(batches).hasSize(BATCHES);
    assertThat(allocator.getAllocatedMemory()).as("the batches hold their buffers until closed").isPositive();

    batches.forEach(ArrowBatch::close);
    batches.forEach(ArrowBatch::close); // a second close is a no-op, never a double release
    assertThat(batches).allMatch(ArrowBatch::isClosed);
  }
}
