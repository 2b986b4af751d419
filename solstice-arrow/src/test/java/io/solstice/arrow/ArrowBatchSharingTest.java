package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.junit.jupiter.api.Test;

/** Reference-counted batches: handles on the same buffers, released by the last holder. */
class ArrowBatchSharingTest {

  @Test
  void retainedHandleReadsTheSameBuffersAndOutlivesTheOriginal() {
    try (RootAllocator allocator = new RootAllocator()) {
      AtomicInteger afterClose = new AtomicInteger();
      ArrowBatch batch = batchOf(allocator, 0, 8, afterClose);
      long allocated = allocator.getAllocatedMemory();

      ArrowBatch second = batch.retain();

      assertThat(allocator.getAllocatedMemory()).as("no copy").isEqualTo(allocated);
      assertThat(second).isNotSameAs(batch);
      assertThat(second.position()).isSameAs(batch.position());
      assertThat(dataAddress(second)).isEqualTo(dataAddress(batch));
      assertThat(second.holderCount()).isEqualTo(2);

      batch.close();
      batch.close(); // a second close of the same handle does nothing
      assertThat(second.holderCount()).isEqualTo(1);
      assertThat(afterClose).hasValue(0);
      assertThat(((BigIntVector) second.root().getVector("id")).get(7)).isEqualTo(7);
      assertThat(allocator.getAllocatedMemory()).isEqualTo(allocated);

      second.close();
      assertThat(afterClose).hasValue(1);
      assertThat(allocator.getAllocatedMemory()).isZero();
    }
  }

  @Test
  void shareHandsOutNHandlesWhoseClosingInAnyOrderReleasesOnceAtTheEnd() {
    Random random = new Random(7);
    for (int trial = 0; trial < 20; trial++) {
      try (RootAllocator allocator = new RootAllocator()) {
        AtomicInteger afterClose = new AtomicInteger();
        ArrowBatch batch = batchOf(allocator, trial, 5, afterClose);
        List<ArrowBatch> handles = new ArrayList<>(batch.share(4));
        assertThat(handles).hasSize(4).first().isSameAs(batch);
        assertThat(handles).allSatisfy(h -> assertThat(dataAddress(h)).isEqualTo(dataAddress(batch)));
        Collections.shuffle(handles, random);
        for (int i = 0; i < handles.size(); i++) {
          assertThat(afterClose).as("released before the last handle closed").hasValue(0);
          handles.get(i).close();
        }
        assertThat(afterClose).hasValue(1);
      } // closing the allocator fails on any leaked byte
    }
  }

  @Test
  void sharingWithZeroHoldersClosesTheBatch() {
    try (RootAllocator allocator = new RootAllocator()) {
      ArrowBatch batch = batchOf(allocator, 0, 3, null);
      assertThat(batch.share(0)).isEmpty();
      assertThat(batch.isClosed()).isTrue();
    }
  }

  @Test
  void aClosedHandleCannotBeRetainedOrShared() {
    try (RootAllocator allocator = new RootAllocator()) {
      ArrowBatch batch = batchOf(allocator, 0, 3, null);
      batch.close();
      assertThatThrownBy(batch::retain).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
      assertThatThrownBy(() -> batch.share(2)).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> batch.share(-1)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void handlesClosedConcurrentlyOnManyThreadsReleaseExactlyOnce() throws Exception {
    try (RootAllocator allocator = new RootAllocator()) {
      for (int trial = 0; trial < 50; trial++) {
        AtomicInteger afterClose = new AtomicInteger();
        List<ArrowBatch> handles = batchOf(allocator, trial, 16, afterClose).share(8);
        List<Thread> threads = new ArrayList<>();
        for (ArrowBatch h : handles) {
          threads.add(new Thread(h::close));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
          t.join();
        }
        assertThat(afterClose).hasValue(1);
        assertThat(allocator.getAllocatedMemory()).isZero();
      }
    }
  }

  @Test
  void sourceBatchesKeepTheirSourceAllocatorOpenUntilTheLastHandleCloses() {
    try (BufferAllocator allocator = new RootAllocator();
         VectorSchemaRoot stored = VectorSchemaRoot.create(TestData.schema(), allocator)) {
      TestData.fill(stored, 0, 4);
      ArrowBatch batch = ArrowSources.roots("roots", List.of(stored), null, allocator, ReadOptions.defaults())
          .blockFirst();
      ArrowBatch other = batch.retain();
      batch.close();
      assertThat(allocator.getChildAllocators()).as("the source's allocator waits for the last handle").hasSize(1);
      other.close();
      assertThat(allocator.getChildAllocators()).isEmpty();
    }
  }

  /** A batch of {@code rows} TestData rows from {@code firstId}, owning its root. */
  static ArrowBatch batchOf(BufferAllocator allocator, long firstId, int rows, AtomicInteger afterClose) {
    VectorSchemaRoot root = VectorSchemaRoot.create(TestData.schema(), allocator);
    TestData.fill(root, firstId, rows);
    return new ArrowBatch(root, java.util.Map.of(), new BatchPosition("test", 0, firstId),
        afterClose == null ? null : afterClose::incrementAndGet);
  }

  /** The address of the pixel values, to tell whether two batches hold the same buffer. */
  static long dataAddress(ArrowBatch batch) {
    return ((FixedSizeListVector) batch.root().getVector("pixels")).getDataVector().getDataBuffer().memoryAddress();
  }
}
