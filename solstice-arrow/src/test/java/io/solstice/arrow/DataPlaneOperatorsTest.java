package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;

/** Filter, projection, rebatching, shuffling and mixing on Arrow batches, with their ownership rules. */
class DataPlaneOperatorsTest {
  private final StoredSources data = new StoredSources();
  private final BufferAllocator allocator = data.allocator;
  private final List<VectorSchemaRoot> stored = data.roots;

  @AfterEach
  void close() {
    data.close(); // fails on a leaked byte
  }

  private Flux<ArrowBatch> source(String name, long firstId, int batches, int rows) {
    return data.source(name, firstId, batches, rows);
  }

  private static List<Long> ids(ArrowBatch batch) {
    try (batch) {
      BigIntVector id = (BigIntVector) batch.root().getVector("id");
      List<Long> out = new ArrayList<>();
      for (int r = 0; r < batch.rowCount(); r++) {
        out.add(id.get(r));
      }
      return out;
    }
  }

  private static long firstId(ArrowBatch batch) {
    return ids(batch).get(0);
  }

  // ------------------------------------------------------------------ filter and select

  @Test
  void filterClosesTheBatchesItDrops() {
    List<Long> kept = source("t", 0, 10, 2)
        .transform(ArrowFlux.filter(b -> b.position().batch() % 3 == 0))
        .map(DataPlaneOperatorsTest::firstId)
        .collectList().block();
    assertThat(kept).containsExactly(0L, 6L, 12L, 18L);
    // the allocator closes without a leak in close(): dropped batches were closed
  }

  @Test
  void aFailingFilterClosesTheBatchItWasTesting() {
    Flux<ArrowBatch> failing = source("t", 0, 5, 2).transform(ArrowFlux.filter(b -> {
      if (b.position().batch() == 2) {
        throw new IllegalStateException("predicate broke");
      }
      return true;
    }));
    assertThatThrownBy(() -> failing.doOnNext(ArrowBatch::close).blockLast()).hasMessage("predicate broke");
  }

  @Test
  void selectKeepsTheNamedColumnsOverTheSameBuffersAndReleasesTheOthers() {
    List<ArrowBatch> selected = source("t", 0, 2, 3).transform(ArrowFlux.select("label", "pixels")).collectList().block();
    try {
      ArrowBatch first = selected.get(0);
      assertThat(first.schema().getFields()).extracting(f -> f.getName()).containsExactly("label", "pixels");
      assertThat(ArrowBatchSharingTest.dataAddress(first))
          .isEqualTo(((FixedSizeListVector) stored.get(0).getVector("pixels")).getDataVector().getDataBuffer()
              .memoryAddress());
    } finally {
      selected.forEach(ArrowBatch::close);
    }
    assertThatThrownBy(() -> source("u", 0, 1, 3).transform(ArrowFlux.select("nope")).blockLast())
        .isInstanceOf(MissingColumnException.class).hasMessageContaining("nope");
  }

  // ------------------------------------------------------------------ rebatch

  @Test
  void rebatchSlicesWithoutCopyingAndCopiesOnlyToJoin() {
    // 10-row batches cut to 4: rows 0-3 and 4-7 are slices, 8-11 joins two batches, and so on.
    Flux<ArrowBatch> input = source("t", 0, 3, 10);
    List<ArrowBatch> out = input.transform(ArrowFlux.rebatch(4, allocator)).collectList().block();
    try {
      assertThat(out).extracting(ArrowBatch::rowCount).containsExactly(4, 4, 4, 4, 4, 4, 4, 2);
      long storedAddress = ((FixedSizeListVector) stored.get(0).getVector("pixels")).getDataVector()
          .getDataBuffer().memoryAddress();
      assertThat(ArrowBatchSharingTest.dataAddress(out.get(0))).as("a slice of the first batch")
          .isEqualTo(storedAddress);
      assertThat(ArrowBatchSharingTest.dataAddress(out.get(2))).as("rows 8-11 are a copy")
          .isNotEqualTo(storedAddress);
      checkAllValues(out);
    } finally {
      out.forEach(ArrowBatch::close);
    }
  }

  @Test
  void rebatchPassesBatchesOfTheRightSizeAsTheyAreAndJoinsSmallOnes() {
    assertThat(source("a", 0, 3, 5).transform(ArrowFlux.rebatch(5, allocator)).map(b -> {
      try (b) {
        return b.position().batch();
      }
    }).collectList().block()).as("the input batches themselves").containsExactly(0L, 1L, 2L);
    List<ArrowBatch> joined = source("b", 100, 7, 3).transform(ArrowFlux.rebatch(8, allocator)).collectList().block();
    try {
      assertThat(joined).extracting(ArrowBatch::rowCount).containsExactly(8, 8, 5);
      checkAllValues(joined);
    } finally {
      joined.forEach(ArrowBatch::close);
    }
  }

  @Test
  void rebatchJoinsItsLastBatchOnlyOnceItIsRequested() {
    // Seven one-row batches cut to four: a joined batch of four, then three rows left when the
    // source completes. They are joined on request, so a subscription cancelled before (even by
    // a cancel that never reaches the tail's subscription) holds no joined batch.
    for (boolean requestTheTail : new boolean[] {true, false}) {
      List<Integer> rows = new ArrayList<>();
      BaseSubscriber<ArrowBatch> oneAtATime = new BaseSubscriber<>() {
        @Override
        protected void hookOnSubscribe(Subscription subscription) {
          subscription.request(1);
        }

        @Override
        protected void hookOnNext(ArrowBatch batch) {
          try (batch) {
            rows.add(batch.rowCount());
          }
        }
      };
      source("t", 0, 7, 1).transform(ArrowFlux.rebatch(4, allocator)).subscribe(oneAtATime);

      assertThat(rows).containsExactly(4);
      assertThat(allocator.getChildAllocators()).filteredOn(child -> child.getName().equals("rebatch"))
          .as("the source has completed; its last rows are not joined yet")
          .allSatisfy(child -> assertThat(child.getAllocatedMemory()).isZero());
      if (requestTheTail) {
        oneAtATime.request(1);
        assertThat(rows).containsExactly(4, 3);
        assertThat(oneAtATime.isDisposed()).as("completed").isTrue();
      } else {
        oneAtATime.cancel(); // the three pending rows are closed: the allocator closes in close()
      }
    }
  }

  @Test
  void aRebatchCancelledWhileItReadsItsSourceClosesTheSourceOnceAndReadsNoMore() {
    // Were the source fused into rebatch's concatMapIterable, the cancel (take's, from inside the
    // read) would close the source's reader, and rebatch would then read it again to clear the
    // fused queue: that read fails on the closed reader, its cleanup runs a second time, and
    // Reactor drops both errors.
    List<Throwable> dropped = new CopyOnWriteArrayList<>();
    Hooks.onErrorDropped(dropped::add);
    try {
      List<Long> first = source("t", 0, 4, 6).transform(ArrowFlux.rebatch(2, allocator))
          .take(1)
          .map(DataPlaneOperatorsTest::firstId)
          .collectList().block();
      assertThat(first).containsExactly(0L);
    } finally {
      Hooks.resetOnErrorDropped();
    }
    assertThat(dropped).isEmpty();
  }

  @Test
  void rebatchAndShuffleCloseWhatTheyHoldBeforeASourceFailureReachesTheSubscriber() {
    // Two one-row batches, then a failure: rebatch(4) holds both rows pending, shuffle(5) holds
    // both batches. A subscriber that closes its allocator when it hears of the failure must find
    // them closed: no child allocator (the source's, rebatch's) is left open by then.
    List<Function<Flux<ArrowBatch>, Flux<ArrowBatch>>> holders = List.of(
        batches -> batches.transform(ArrowFlux.rebatch(4, allocator)),
        batches -> ArrowFlux.shuffle(5, 1).shuffle(start -> batches));
    for (Function<Flux<ArrowBatch>, Flux<ArrowBatch>> holder : holders) {
      Flux<ArrowBatch> failing = source("t", 0, 2, 1).concatWith(Flux.error(new IllegalStateException("t broke")));
      List<String> openAtTheFailure = new ArrayList<>();
      assertThatThrownBy(() -> holder.apply(failing)
          .doOnNext(ArrowBatch::close)
          .doOnError(e -> allocator.getChildAllocators().forEach(child -> openAtTheFailure.add(child.getName())))
          .blockLast())
          .hasMessage("t broke");
      assertThat(openAtTheFailure).as("child allocators open when the failure arrived").isEmpty();
    }
  }

  @Test
  void rebatchRefusesToJoinBatchesOfDifferentSchemas() {
    Flux<ArrowBatch> mixed = source("a", 0, 1, 3).concatWith(source("b", 3, 1, 3).transform(ArrowFlux.select("id")));
    assertThatThrownBy(() -> mixed.transform(ArrowFlux.rebatch(4, allocator)).doOnNext(ArrowBatch::close).blockLast())
        .isInstanceOf(SchemaChangeException.class).hasMessageContaining("different schemas");
  }

  @Test
  void rebatchJoinsVariableWidthColumns() {
    Schema schema = new Schema(List.of(Field.notNullable("name", new ArrowType.Utf8())));
    List<VectorSchemaRoot> roots = new ArrayList<>();
    try {
      for (int b = 0; b < 3; b++) {
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        roots.add(root);
        VarCharVector names = (VarCharVector) root.getVector("name");
        names.allocateNew();
        for (int r = 0; r < 3; r++) {
          names.setSafe(r, ("row" + (3 * b + r)).getBytes(StandardCharsets.UTF_8));
        }
        root.setRowCount(3);
      }
      List<Integer> sizes = new ArrayList<>();
      List<String> names = ArrowSources.roots("names", roots, null, allocator, ReadOptions.defaults())
          .transform(ArrowFlux.rebatch(4, allocator))
          .concatMapIterable(batch -> {
            try (batch) {
              sizes.add(batch.rowCount());
              List<String> out = new ArrayList<>();
              for (int r = 0; r < batch.rowCount(); r++) {
                out.add(batch.root().getVector("name").getObject(r).toString());
              }
              return out;
            }
          }).collectList().block();
      assertThat(sizes).containsExactly(4, 4, 1);
      assertThat(names).containsExactly("row0", "row1", "row2", "row3", "row4", "row5", "row6", "row7", "row8");
    } finally {
      roots.forEach(VectorSchemaRoot::close);
    }
  }

  /** Every row's values are TestData's for its id, and the ids run on without a gap. */
  private static void checkAllValues(List<ArrowBatch> batches) {
    long next = -1;
    for (ArrowBatch b : batches) {
      BigIntVector id = (BigIntVector) b.root().getVector("id");
      try (VectorSchemaRoot expected = VectorSchemaRoot.create(TestData.schema(), id.getAllocator())) {
        TestData.fill(expected, id.get(0), b.rowCount());
        for (FieldVector column : expected.getFieldVectors()) {
          for (int r = 0; r < b.rowCount(); r++) {
            assertThat(b.root().getVector(column.getName()).getObject(r)).isEqualTo(column.getObject(r));
          }
        }
      }
      if (next >= 0) {
        assertThat(id.get(0)).isEqualTo(next);
      }
      next = id.get(b.rowCount() - 1) + 1;
    }
  }

  // ------------------------------------------------------------------ shuffle

  @Test
  void shuffleEmitsEveryBatchOnceInASeededOrderThatChangesEachRound() {
    Flux<ArrowBatch> input = source("t", 0, 40, 1);
    ShuffleBuffer shuffle = ArrowFlux.shuffle(8, 42);
    Flux<Long> shuffled = shuffle.shuffle(start -> input).map(DataPlaneOperatorsTest::firstId);
    List<Long> round0 = shuffled.collectList().block();
    List<Long> round1 = shuffled.collectList().block();
    List<Long> again = ArrowFlux.shuffle(8, 42).shuffle(start -> input).map(DataPlaneOperatorsTest::firstId)
        .collectList().block();
    List<Long> otherSeed = ArrowFlux.shuffle(8, 43).shuffle(start -> input).map(DataPlaneOperatorsTest::firstId)
        .collectList().block();

    List<Long> all = LongStream.range(0, 40).boxed().toList();
    assertThat(round0).containsExactlyInAnyOrderElementsOf(all).isNotEqualTo(all);
    assertThat(round1).containsExactlyInAnyOrderElementsOf(all).isNotEqualTo(round0);
    assertThat(again).as("same seed, same order").isEqualTo(round0);
    assertThat(otherSeed).isNotEqualTo(round0);
    // A bounded buffer: no batch comes out more than size - 1 places before it went in.
    for (int i = 0; i < round0.size(); i++) {
      assertThat(round0.get(i)).isLessThanOrEqualTo(i + 7L);
    }
  }

  @Test
  void shuffleHoldsAtMostItsSizeInBatches() {
    AtomicInteger alive = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    Flux<ArrowBatch> counted = source("t", 0, 30, 1).doOnNext(b -> peak.accumulateAndGet(alive.incrementAndGet(), Math::max));
    ArrowFlux.shuffle(5, 1).shuffle(start -> counted)
        .doOnNext(b -> {
          b.close();
          alive.decrementAndGet();
        })
        .blockLast();
    assertThat(peak).hasValue(5);
  }

  @Test
  void aShuffleResumedFromTheStateAfterAnyBatchContinuesExactly() {
    Flux<ArrowBatch> input = source("t", 0, 23, 1);
    ShuffleBuffer shuffle = ArrowFlux.shuffle(6, 7);
    List<BatchPosition> positions = new ArrayList<>();
    List<ShuffleState> states = new ArrayList<>();
    List<Long> whole = shuffle.shuffle(start -> input).map(b -> {
      positions.add(b.position());
      states.add(shuffle.stateAfter(b.position()));
      return firstId(b);
    }).collectList().block();

    for (int cut = 0; cut < whole.size() - 1; cut++) {
      // Through the checkpoint's own format: a map of plain values.
      ShuffleState state = ShuffleState.fromMap(states.get(cut).toMap());
      assertThat(state).isEqualTo(states.get(cut));
      ShuffleBuffer resumed = ArrowFlux.shuffle(6, 7).resumeFrom(state);
      List<Long> rest = resumed.shuffle(start -> start == null ? input
              : ArrowSources.roots("t", stored.subList(0, 23), null, allocator,
                  ReadOptions.builder().startAt(start).build()))
          .map(DataPlaneOperatorsTest::firstId).collectList().block();
      assertThat(rest).as("resumed after batch %d", cut).isEqualTo(whole.subList(cut + 1, whole.size()));
    }
    // The state after the last batch says the round is over: a resumed shuffle starts round 1.
    assertThat(states.get(whole.size() - 1).roundComplete()).isTrue();
    List<Long> nextRound = ArrowFlux.shuffle(6, 7).resumeFrom(states.get(whole.size() - 1))
        .shuffle(start -> input).map(DataPlaneOperatorsTest::firstId).collectList().block();
    assertThat(nextRound).isEqualTo(shuffle.shuffle(start -> input).map(DataPlaneOperatorsTest::firstId)
        .collectList().block());
  }

  @Test
  void aResumedShuffleRefusesASourceThatDoesNotStartWhereTheStateSays() {
    Flux<ArrowBatch> input = source("t", 0, 12, 1);
    ShuffleBuffer shuffle = ArrowFlux.shuffle(4, 3);
    List<ShuffleState> states = new ArrayList<>();
    shuffle.shuffle(start -> input).doOnNext(b -> states.add(shuffle.stateAfter(b.position())))
        .doOnNext(ArrowBatch::close).blockLast();
    ShuffleBuffer resumed = ArrowFlux.shuffle(4, 3).resumeFrom(states.get(2));
    assertThatThrownBy(() -> resumed.shuffle(start -> input).doOnNext(ArrowBatch::close).blockLast())
        .hasMessageContaining("does not read what the shuffle buffered");
    assertThatThrownBy(() -> ArrowFlux.shuffle(5, 3).resumeFrom(states.get(2)))
        .hasMessageContaining("size 4");
  }

  @Test
  void aShuffleOfSlicesThatShareTheirBatchPositionHasNoState() {
    Flux<ArrowBatch> pieces = source("t", 0, 4, 6).transform(ArrowFlux.rebatch(2, allocator));
    ShuffleBuffer shuffle = ArrowFlux.shuffle(3, 1);
    assertThatThrownBy(() -> shuffle.shuffle(start -> pieces)
        .doOnNext(b -> {
          try (b) {
            shuffle.stateAfter(b.position());
          }
        })
        .blockLast())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("equal positions");
  }

  // ------------------------------------------------------------------ mix

  @Test
  void mixIsSeededAndFollowsTheWeightsUntilEverySourceEnds() {
    Flux<ArrowBatch> a = source("a", 0, 300, 1);
    Flux<ArrowBatch> b = source("b", 1000, 100, 1);
    Flux<Long> mixed = ArrowFlux.mix(11, List.of(a, b), 3, 1).map(DataPlaneOperatorsTest::firstId);
    List<Long> first = mixed.collectList().block();
    List<Long> second = mixed.collectList().block();
    List<Long> otherSeed = ArrowFlux.mix(12, List.of(a, b), 3, 1).map(DataPlaneOperatorsTest::firstId)
        .collectList().block();

    assertThat(first).hasSize(400).isEqualTo(second).isNotEqualTo(otherSeed);
    assertThat(first.stream().filter(id -> id < 1000).toList()).as("each source in its own order")
        .isEqualTo(LongStream.range(0, 300).boxed().toList());
    // Among the first 200 draws both sources are live: about 3:1.
    long fromA = first.subList(0, 200).stream().filter(id -> id < 1000).count();
    assertThat(fromA).isBetween(130L, 170L);
  }

  @Test
  void aMixCancelledMidwayClosesWhatItPulled() {
    Map<String, Integer> subscriptions = new TreeMap<>();
    Flux<ArrowBatch> a = source("a", 0, 50, 1).doOnSubscribe(s -> subscriptions.merge("a", 1, Integer::sum));
    Flux<ArrowBatch> b = source("b", 1000, 50, 1).doOnSubscribe(s -> subscriptions.merge("b", 1, Integer::sum));
    List<Long> taken = ArrowFlux.mix(5, List.of(a, b), 1, 1).take(7).map(DataPlaneOperatorsTest::firstId)
        .collectList().block();
    assertThat(taken).hasSize(7);
    assertThat(subscriptions.values()).allMatch(n -> n == 1);
    assertThat(taken.stream().collect(Collectors.partitioningBy(id -> id < 1000, Collectors.counting())).values())
        .allMatch(n -> n > 0);
  }

  @Test
  void aMixFailsWithTheFirstSourceError() {
    Flux<ArrowBatch> a = source("a", 0, 20, 1);
    Flux<ArrowBatch> broken = source("b", 1000, 2, 1).concatWith(Flux.error(new IllegalStateException("b broke")));
    assertThatThrownBy(() -> ArrowFlux.mix(3, List.of(a, broken), 1, 1).doOnNext(ArrowBatch::close).blockLast())
        .hasMessage("b broke");
    assertThatThrownBy(() -> ArrowFlux.mix(3, List.of(a, broken), 1)).hasMessageContaining("one weight per source");
  }
}
