package io.solstice.cuda.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.arrow.ArrowBatch;
import io.solstice.cuda.ArrowBatches;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * The copy stage with a host "device": the copy reads the batch's Arrow memory through the
 * addresses the device copy uses, so a batch closed too early would read freed memory (and the
 * allocator, closed after each test, would report a leak if one were never closed).
 */
class PrefetchCopyTest {

  private final BufferAllocator allocator = new RootAllocator();
  private final List<ArrowBatch> made = new CopyOnWriteArrayList<>();

  @AfterEach
  void everyBatchWasClosed() throws InterruptedException {
    // After a cancel or a failure the last batches are closed on the copy thread, after its copy
    // in progress, or on the thread still reading the source; a batch is marked closed just
    // before its buffers are released, so wait for the memory too.
    for (int i = 0; i < 500
        && !(made.stream().allMatch(ArrowBatch::isClosed) && allocator.getAllocatedMemory() == 0); i++) {
      Thread.sleep(10);
    }
    assertThat(made).allMatch(ArrowBatch::isClosed);
    allocator.close();
  }

  /** The first feature of each row, read from the batch's off-heap memory. */
  private record Copied(long index, float firstFeature, String thread, boolean openWhileCopied) {}

  private Copied copy(ArrowBatch batch) {
    BatchBuffers buffers = BatchBuffers.locate(batch, new io.solstice.cuda.DeviceColumns("x", "y", 10));
    float first = Float.intBitsToFloat(MemoryUtil.getInt(buffers.featuresAddress()));
    return new Copied(batch.position().batch(), first, Thread.currentThread().getName(), !batch.isClosed());
  }

  private Flux<ArrowBatch> source(int count, AtomicLong requested) {
    return Flux.range(0, count)
        .doOnRequest(n -> requested.addAndGet(Math.min(n, 1_000_000)))
        .map(i -> {
          ArrowBatch batch = ArrowBatches.of(allocator, new float[] {i, 0, 0, 0}, 2, new long[] {1, 2}, i);
          made.add(batch);
          return batch;
        });
  }

  @Test
  void copiesEveryBatchInOrderOnTheCopyThreadAndClosesItAfterItsCopy() {
    List<Copied> copies =
        PrefetchCopy.apply(source(20, new AtomicLong()), this::copy, 3, "copy-test").collectList().block();

    assertThat(copies).extracting(Copied::index).containsExactlyElementsOf(
        java.util.stream.LongStream.range(0, 20).boxed().toList());
    assertThat(copies).extracting(Copied::firstFeature).containsExactlyElementsOf(
        java.util.stream.IntStream.range(0, 20).mapToObj(i -> (float) i).toList());
    assertThat(copies).allMatch(c -> c.thread().startsWith("copy-test") && c.openWhileCopied());
  }

  @Test
  void requestsOnlyThePrefetchAheadOfASlowConsumer() {
    AtomicLong requested = new AtomicLong();
    StepVerifier.create(PrefetchCopy.apply(source(100, requested), this::copy, 4, "copy-test"), 1)
        .expectNextCount(1)
        .then(() -> assertThat(requested.get()).isLessThanOrEqualTo(5))
        .thenCancel()
        .verify(Duration.ofSeconds(10));
  }

  @Test
  void aFailedCopyFailsTheFluxAndEveryBatchIsClosed() {
    StepVerifier.create(
            PrefetchCopy.apply(
                source(10, new AtomicLong()),
                batch -> {
                  if (batch.position().batch() == 4) {
                    throw new IllegalStateException("device full");
                  }
                  return copy(batch);
                },
                3, "copy-test"))
        .expectNextCount(4)
        .expectErrorMessage("device full")
        .verify(Duration.ofSeconds(10));
  }

  @Test
  void cancellingClosesTheBatchesStillQueued() {
    AtomicLong requested = new AtomicLong();
    StepVerifier.create(PrefetchCopy.apply(source(50, requested), this::copy, 8, "copy-test"), 2)
        .expectNextCount(2)
        .thenCancel()
        .verify(Duration.ofSeconds(10));

    // Requested ahead even though the test's range is fuseable (and could be polled lazily
    // instead); how many of the 8 were made before the cancel stopped the range is a race.
    assertThat(requested).as("the copy stage had requested its prefetch ahead").hasValue(8);
    // everyBatchWasClosed: the queued batches were closed, not leaked.
  }

  @Test
  void aNullCopySkipsTheBatchAndClosesIt() {
    List<Copied> copies =
        PrefetchCopy.apply(source(6, new AtomicLong()), b -> b.position().batch() % 2 == 0 ? null : copy(b), 2, "copy-test")
            .collectList().block();

    assertThat(copies).extracting(Copied::index).containsExactly(1L, 3L, 5L);
  }
}
