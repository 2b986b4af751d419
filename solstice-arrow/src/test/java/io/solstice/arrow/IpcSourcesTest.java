package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** IPC file, IPC stream and in-memory sources: order, positions, re-batching, resuming, release. */
class IpcSourcesTest {
  @TempDir Path dir;
  final RootAllocator allocator = new RootAllocator();

  @AfterEach
  void closeAllocator() {
    allocator.close();
  }

  private static List<Long> ids(Flux<ArrowBatch> source) {
    return source.concatMapIterable(b -> {
      try (b) {
        BigIntVector id = (BigIntVector) b.root().getVector("id");
        return LongStream.range(0, b.rowCount()).map(i -> id.get((int) i)).boxed().toList();
      }
    }).collectList().block();
  }

  private static List<BatchPosition> positions(Flux<ArrowBatch> source) {
    return source.map(b -> {
      try (b) {
        return b.position();
      }
    }).collectList().block();
  }

  @Test
  void ipcFileDeliversEveryRowInOrderAndIsColdPerSubscription() throws Exception {
    Path file = TestData.writeIpcFile(dir, "t.arrow", allocator, 5, 7);
    Flux<ArrowBatch> source = ArrowSources.ipcFile(file, allocator);
    List<Long> expected = LongStream.range(0, 35).boxed().toList();
    assertThat(ids(source)).isEqualTo(expected);
    assertThat(ids(source)).as("second subscription reads again").isEqualTo(expected);
  }

  @Test
  void ipcFileRebatchesBySlicingAndCountsPositions() throws Exception {
    Path file = TestData.writeIpcFile(dir, "t.arrow", allocator, 2, 10);
    ReadOptions options = ReadOptions.builder().batchSize(4).build();
    assertThat(ids(ArrowSources.ipcFile(file, allocator, options))).isEqualTo(LongStream.range(0, 20).boxed().toList());
    List<Integer> sizes = ArrowSources.ipcFile(file, allocator, options)
        .map(b -> {
          try (b) {
            return b.rowCount();
          }
        }).collectList().block();
    assertThat(sizes).containsExactly(4, 4, 2, 4, 4, 2);
    assertThat(positions(ArrowSources.ipcFile(file, allocator, options)))
        .extracting(BatchPosition::batch).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void ipcFileResumesAfterACheckpointedPosition() throws Exception {
    Path file = TestData.writeIpcFile(dir, "t.arrow", allocator, 4, 10);
    ReadOptions plain = ReadOptions.builder().batchSize(4).build();
    List<BatchPosition> all = positions(ArrowSources.ipcFile(file, allocator, plain));
    BatchPosition checkpoint = all.get(4);
    ReadOptions resumed = ReadOptions.builder().batchSize(4).startAt(checkpoint.next()).build();
    assertThat(positions(ArrowSources.ipcFile(file, allocator, resumed))).isEqualTo(all.subList(5, all.size()));
    // blocks of 10 rows sliced by 4 give batches 0-3, 4-7, 8-9, 10-13, 14-17, 18-19, ...: batch 5 starts at 18
    assertThat(ids(ArrowSources.ipcFile(file, allocator, resumed)).get(0)).isEqualTo(18L);
  }

  @Test
  void ipcStreamFromPathAndFromInputStreamDeliverTheSameRows() throws Exception {
    Path file = TestData.writeIpcStream(dir, "t.arrows", allocator, 3, 9);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TestData.writeIpcStream(bytes, allocator, 3, 9);
    List<Long> expected = LongStream.range(0, 27).boxed().toList();
    assertThat(ids(ArrowSources.ipcStream(file, allocator, ReadOptions.defaults()))).isEqualTo(expected);
    assertThat(ids(ArrowSources.ipcStream("bytes", () -> new ByteArrayInputStream(bytes.toByteArray()), allocator,
        ReadOptions.builder().batchSize(5).build()))).isEqualTo(expected);
  }

  @Test
  void inMemoryRootsShareBuffersAndStayIntactForTheCaller() {
    List<VectorSchemaRoot> roots = TestData.roots(allocator, 2, 6);
    try {
      Flux<ArrowBatch> source = ArrowSources.roots("mem", roots, null, allocator,
          ReadOptions.builder().batchSize(4).build());
      assertThat(ids(source)).isEqualTo(LongStream.range(0, 12).boxed().toList());
      assertThat(ids(source)).as("the roots can be read again").isEqualTo(LongStream.range(0, 12).boxed().toList());
      assertThat(((BigIntVector) roots.get(1).getVector("id")).get(0)).isEqualTo(6L);
    } finally {
      roots.forEach(VectorSchemaRoot::close);
    }
  }

  @Test
  void cancellingMidStreamReleasesTheReaderAndTheBatchesInFlight() throws Exception {
    Path file = TestData.writeIpcFile(dir, "t.arrow", allocator, 50, 100);
    AtomicInteger trained = new AtomicInteger();
    List<LinearSoftmaxStep.Seen> seen = TrainStepHarness.train(ArrowSources.ipcFile(file, allocator), spec(),
        new LinearSoftmaxStep().andThen(s -> {
          trained.incrementAndGet();
          return s;
        }), 3);
    assertThat(seen).hasSize(3);
    assertThat(trained.get()).isEqualTo(3);
    // the allocator is closed in @AfterEach: a batch left in publishOn's queue would fail it
  }

  @Test
  void failingMidStreamReleasesEverything() throws Exception {
    Path file = TestData.writeIpcFile(dir, "t.arrow", allocator, 6, 50);
    Flux<ArrowBatch> source = ArrowSources.ipcFile(file, allocator)
        .concatWith(Flux.error(new IllegalStateException("upstream failed")));
    StepVerifier.create(source.doOnNext(ArrowBatch::close))
        .expectNextCount(6)
        .expectErrorMessage("upstream failed")
        .verify();
    AtomicInteger steps = new AtomicInteger();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrainStepHarness.train(
            ArrowSources.ipcFile(file, allocator).concatWith(Flux.error(new IllegalStateException("boom"))), spec(),
            b -> {
              if (steps.incrementAndGet() == 3) {
                throw new IllegalArgumentException("step failed");
              }
              return 1;
            }))
        .hasMessageContaining("step failed");
  }

  @Test
  void batchesCloseExactlyOnce() throws Exception {
    Path file = TestData.writeIpcFile(dir, "t.arrow", allocator, 1, 3);
    ArrowBatch batch = ArrowSources.ipcFile(file, allocator).blockFirst();
    assertThat(batch).isNotNull();
    batch.close();
    batch.close();
    assertThat(batch.isClosed()).isTrue();
    org.assertj.core.api.Assertions.assertThatThrownBy(batch::root).isInstanceOf(IllegalStateException.class);
  }

  static FeatureSpec spec() {
    return FeatureSpec.builder().features("pixels").width(TestData.WIDTH).label("label")
        .numClasses(TestData.CLASSES).build();
  }

  @Test
  void rootsThatChangeSchemaMidStreamFailWithATypedError() {
    List<VectorSchemaRoot> roots = new java.util.ArrayList<>(TestData.roots(allocator, 1, 3));
    VectorSchemaRoot other = VectorSchemaRoot.create(new org.apache.arrow.vector.types.pojo.Schema(List.of(
        org.apache.arrow.vector.types.pojo.Field.nullable("id", new org.apache.arrow.vector.types.pojo.ArrowType.Utf8()))),
        allocator);
    other.setRowCount(0);
    roots.add(other);
    try {
      StepVerifier.create(ArrowSources.roots("mem", roots, null, allocator, ReadOptions.defaults())
              .doOnNext(ArrowBatch::close))
          .expectNextCount(1)
          .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(SchemaChangeException.class)
              .hasMessageContaining("'id'").hasMessageContaining("Utf8"))
          .verify();
    } finally {
      roots.forEach(VectorSchemaRoot::close);
    }
  }

  @Test
  void liveBatchesClosesWhatAPipelineDropped() throws Exception {
    Path file = TestData.writeIpcFile(dir, "t.arrow", allocator, 5, 10);
    LiveBatches live = new LiveBatches();
    List<ArrowBatch> held = live.track(ArrowSources.ipcFile(file, allocator)).take(3).collectList().block();
    held.get(0).close();
    assertThat(live.openCount()).isEqualTo(2);
    live.closeAll();
    assertThat(held).allMatch(ArrowBatch::isClosed);
    assertThat(live.openCount()).isZero();
  }

  @Test
  void cancellingBeforeTheFirstRequestOpensNothingAndLeaksNothing() throws Exception {
    Path file = TestData.writeIpcFile(dir, "t.arrow", allocator, 2, 5);
    Path stream = TestData.writeIpcStream(dir, "t.arrows", allocator, 2, 5);
    List<VectorSchemaRoot> roots = TestData.roots(allocator, 1, 5);
    try {
      for (Flux<ArrowBatch> source : List.of(ArrowSources.ipcFile(file, allocator),
          ArrowSources.ipcStream(stream, allocator, ReadOptions.defaults()),
          ArrowSources.roots("mem", roots, null, allocator, ReadOptions.defaults()))) {
        StepVerifier.create(source, 0).thenCancel().verify();
        StepVerifier.create(source, 1).expectNextMatches(b -> {
          b.close();
          return true;
        }).thenCancel().verify();
      }
    } finally {
      roots.forEach(VectorSchemaRoot::close);
    }
  }
}
