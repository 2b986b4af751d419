package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/** Row-level, stratified, seeded splits of a table, in memory and streamed. */
class TableSplitTest {
  private static final long ROWS = 2_000;

  @TempDir Path dir;
  private final BufferAllocator allocator = new RootAllocator();

  @AfterEach
  void closeAllocator() {
    allocator.close();
  }

  private Flux<ArrowBatch> table(Path file, BufferAllocator alloc, int batchRows) {
    return ArrowSources.ipcFile(file, alloc, ReadOptions.builder().batchSize(batchRows).build());
  }

  private TableSplit split(Path file, long seed, long inMemoryLimit) {
    TableSplit.Builder builder = TableSplit.builder().validation(0.2).test(0.2).seed(seed).stratifyBy("label");
    if (inMemoryLimit >= 0) {
      builder.inMemoryLimit(inMemoryLimit);
    }
    return builder.plan(table(file, allocator, 128), allocator);
  }

  /** The ids of each split's rows, in emitted order, read with the given batch size. */
  private static Map<Split, List<Long>> ids(TableSplit split, int batchSize) {
    Map<Split, List<Long>> out = new EnumMap<>(Split.class);
    for (Split s : Split.values()) {
      List<Long> ids = new ArrayList<>();
      split.batches(s, batchSize).doOnNext(batch -> {
        try (batch) {
          assertThat(batch.rowCount()).isLessThanOrEqualTo(batchSize);
          BigIntVector id = (BigIntVector) batch.root().getVector("id");
          IntVector label = (IntVector) batch.root().getVector("label");
          for (int r = 0; r < batch.rowCount(); r++) {
            ids.add(id.get(r));
            // Rows arrive whole: the label is the one the id was written with.
            assertThat(label.get(r)).isEqualTo(SortedTable.label(id.get(r), ROWS));
          }
        }
      }).blockLast();
      out.put(s, ids);
    }
    return out;
  }

  @Test
  void eachClassIsSplitInProportionWithinOneRowAndEveryRowLandsInExactlyOneSplit() throws IOException {
    Path file = SortedTable.write(dir.resolve("sorted.arrow"), allocator, ROWS, 256);
    try (TableSplit split = split(file, 42, -1)) {
      Map<Split, List<Long>> ids = ids(split, 64);

      assertThat(split.inMemory()).isTrue();
      Set<Long> all = new HashSet<>();
      ids.values().forEach(all::addAll);
      assertThat(all).hasSize((int) ROWS);
      assertThat(ids.values().stream().mapToInt(List::size).sum()).isEqualTo((int) ROWS);
      // 200 rows of class 1 and 1,800 of class 0: 20% of each to validation and to test.
      Map<Split, double[]> expected = Map.of(Split.TEST, new double[] {360, 40}, Split.VALIDATION,
          new double[] {360, 40}, Split.TRAIN, new double[] {1080, 120});
      for (Split s : Split.values()) {
        long ones = ids.get(s).stream().filter(id -> SortedTable.label(id, ROWS) == 1).count();
        long zeros = ids.get(s).size() - ones;
        assertThat((double) zeros).as("%s class 0", s).isCloseTo(expected.get(s)[0], org.assertj.core.data.Offset.offset(1.0));
        assertThat((double) ones).as("%s class 1", s).isCloseTo(expected.get(s)[1], org.assertj.core.data.Offset.offset(1.0));
        assertThat(split.rowsPerStratum(s)).containsEntry(0L, zeros).containsEntry(1L, ones);
        assertThat(split.rows(s)).isEqualTo(ids.get(s).size());
      }
    }
  }

  @Test
  void theSameSeedGivesTheSameSplitAndAnotherSeedAnother() throws IOException {
    Path file = SortedTable.write(dir.resolve("sorted.arrow"), allocator, ROWS, 256);
    Map<Split, List<Long>> first;
    Map<Split, List<Long>> again;
    Map<Split, List<Long>> other;
    try (TableSplit split = split(file, 42, -1)) {
      first = ids(split, 64);
    }
    try (TableSplit split = split(file, 42, -1)) {
      again = ids(split, 64);
    }
    try (TableSplit split = split(file, 43, -1)) {
      other = ids(split, 64);
    }
    assertThat(again).isEqualTo(first);
    assertThat(new HashSet<>(other.get(Split.TEST))).isNotEqualTo(new HashSet<>(first.get(Split.TEST)));
  }

  @Test
  void aStreamedTableGetsExactlyTheRowsThatAnInMemoryOneGets() throws IOException {
    Path file = SortedTable.write(dir.resolve("sorted.arrow"), allocator, ROWS, 256);
    Map<Split, List<Long>> inMemory;
    try (TableSplit split = split(file, 7, -1)) {
      inMemory = ids(split, 50);
    }
    try (TableSplit split = split(file, 7, 0)) {
      assertThat(split.inMemory()).isFalse();
      Map<Split, List<Long>> streamed = ids(split, 50);
      assertThat(streamed.get(Split.VALIDATION)).isEqualTo(inMemory.get(Split.VALIDATION)).isSorted();
      assertThat(streamed.get(Split.TEST)).isEqualTo(inMemory.get(Split.TEST)).isSorted();
      // The default window holds the whole train split: one read, the in-memory order.
      assertThat(split.shuffleWindow()).isGreaterThanOrEqualTo(split.rows(Split.TRAIN));
      assertThat(streamed.get(Split.TRAIN)).isEqualTo(inMemory.get(Split.TRAIN)).isNotEqualTo(sorted(inMemory));
    }
  }

  /**
   * A table stored in small batches keeps only a few rows of a split per stored batch: the
   * streamed split must still come in batches of the asked size, numbered as in memory.
   */
  @Test
  void aStreamedSplitOfSmallStoredBatchesComesInBatchesOfTheAskedSizeNumberedAsInMemory() throws IOException {
    Path file = SortedTable.write(dir.resolve("small-batches.arrow"), allocator, 1_000, 10);
    Map<Split, List<BatchPosition>> inMemory = new EnumMap<>(Split.class);
    for (long limit : new long[] {Long.MAX_VALUE, 0}) {
      try (TableSplit split = TableSplit.builder().validation(0.2).test(0.2).seed(3).stratifyBy("label")
          .shuffle(false).inMemoryLimit(limit).plan(table(file, allocator, 10), allocator)) {
        assertThat(split.inMemory()).isEqualTo(limit != 0);
        for (Split s : List.of(Split.VALIDATION, Split.TRAIN)) {
          List<Integer> sizes = new ArrayList<>();
          List<BatchPosition> positions = new ArrayList<>();
          split.batches(s, 64).doOnNext(batch -> {
            try (batch) {
              sizes.add(batch.rowCount());
              positions.add(batch.position());
            }
          }).blockLast();
          int rows = (int) split.rows(s);
          assertThat(sizes).as("%s, %s", s, split).hasSize((rows + 63) / 64);
          assertThat(sizes.subList(0, sizes.size() - 1)).as("%s, %s", s, split).containsOnly(64);
          assertThat(sizes.get(sizes.size() - 1)).isEqualTo(rows - 64 * (sizes.size() - 1));
          assertThat(positions).as("%s, %s", s, split).doesNotHaveDuplicates();
          if (limit != 0) {
            inMemory.put(s, positions);
          } else {
            assertThat(positions).as("%s, %s", s, split).isEqualTo(inMemory.get(s));
          }
        }
      }
    }
  }

  private static List<Long> sorted(Map<Split, List<Long>> ids) {
    return ids.get(Split.TRAIN).stream().sorted().toList();
  }

  @Test
  void aStreamedTrainSplitReadInWindowsComesInTheInMemoryOrderOfEachEpoch() throws IOException {
    Path file = SortedTable.write(dir.resolve("sorted.arrow"), allocator, ROWS, 256);
    List<List<Long>> inMemory = new ArrayList<>();
    try (TableSplit split = split(file, 11, -1)) {
      Flux<ArrowBatch> train = split.batches(Split.TRAIN, 64);
      for (int epoch = 0; epoch < 3; epoch++) {
        inMemory.add(idsOf(train));
      }
    }
    // 1,200 train rows through a window of 250: five reads of the table per epoch.
    try (TableSplit split = TableSplit.builder().validation(0.2).test(0.2).seed(11).stratifyBy("label")
        .inMemoryLimit(0).shuffleWindow(250).plan(table(file, allocator, 128), allocator)) {
      assertThat(split.inMemory()).isFalse();
      assertThat(split.shuffleWindow()).isEqualTo(250);
      List<Integer> rowsPerBatch = new ArrayList<>();
      Flux<ArrowBatch> train = split.batches(Split.TRAIN, 64).doOnNext(batch -> rowsPerBatch.add(batch.rowCount()));
      for (int epoch = 0; epoch < 3; epoch++) {
        assertThat(idsOf(train)).as("epoch %d", epoch).isEqualTo(inMemory.get(epoch));
      }
      // Batches span windows as they would in memory: 18 of 64 rows and one of 48, each epoch.
      assertThat(rowsPerBatch).hasSize(3 * 19).filteredOn(rows -> rows != 64).containsExactly(48, 48, 48);
      assertThat(idsOf(split.batches(Split.TRAIN, 64, 2))).as("a run resumed at epoch 2").isEqualTo(inMemory.get(2));
    }
    assertThat(inMemory.get(1)).isNotEqualTo(inMemory.get(0)).containsExactlyInAnyOrderElementsOf(inMemory.get(0));
    assertThat(inMemory.get(0).subList(0, 64).stream().map(id -> SortedTable.label(id, ROWS)).distinct()).hasSize(2);
  }

  @Test
  void aShuffleWindowOfZeroKeepsAStreamedTrainSplitInTableOrder() throws IOException {
    Path file = SortedTable.write(dir.resolve("sorted.arrow"), allocator, ROWS, 256);
    try (TableSplit split = TableSplit.builder().validation(0.2).test(0.2).seed(11).stratifyBy("label")
        .inMemoryLimit(0).shuffleWindow(0).plan(table(file, allocator, 128), allocator)) {
      assertThat(split.shuffleWindow()).isZero();
      List<Long> train = idsOf(split.batches(Split.TRAIN, 64));
      assertThat(train).hasSize((int) split.rows(Split.TRAIN)).isSorted();
    }
  }

  @Test
  void theTrainOrderIsANewSeededPermutationEveryEpochAndValidationKeepsTableOrder() throws IOException {
    Path file = SortedTable.write(dir.resolve("sorted.arrow"), allocator, ROWS, 256);
    try (TableSplit split = split(file, 42, -1)) {
      Flux<ArrowBatch> train = split.batches(Split.TRAIN, 100);
      List<Long> epoch0 = idsOf(train);
      List<Long> epoch1 = idsOf(train);
      List<Long> epoch1Again = idsOf(split.batches(Split.TRAIN, 100, 1));

      assertThat(epoch1).isNotEqualTo(epoch0).containsExactlyInAnyOrderElementsOf(epoch0);
      assertThat(epoch1Again).as("a run resumed at epoch 1 sees epoch 1's order").isEqualTo(epoch1);
      // The table is sorted by class, yet the first train batch mixes both classes.
      assertThat(epoch0.subList(0, 100).stream().map(id -> SortedTable.label(id, ROWS)).distinct()).hasSize(2);
      assertThat(idsOf(split.batches(Split.VALIDATION, 100))).isSorted();
    }
  }

  private static List<Long> idsOf(Flux<ArrowBatch> batches) {
    List<Long> ids = new ArrayList<>();
    batches.doOnNext(batch -> {
      try (batch) {
        BigIntVector id = (BigIntVector) batch.root().getVector("id");
        for (int r = 0; r < batch.rowCount(); r++) {
          ids.add(id.get(r));
        }
      }
    }).blockLast();
    return ids;
  }

  @Test
  void aTableLargerThanTheAllocatorLimitIsSplitAndShuffledStreamingWithExactCountsAndNoLeak() throws IOException {
    long rows = 300_000;
    Path file;
    try (BufferAllocator writer = new RootAllocator()) {
      file = SortedTable.write(dir.resolve("large.arrow"), writer, rows, 8192);
    }
    long limit = 4L << 20;
    assertThat(Files.size(file)).as("the table is larger than the allocator may hold").isGreaterThan(2 * limit);
    long[][] counts = new long[3][2];
    List<Long> trainIds = new ArrayList<>();
    try (BufferAllocator small = new RootAllocator(limit)) {
      try (TableSplit split = TableSplit.builder().validation(0.1).test(0.2).seed(3).stratifyBy("label")
          .plan(table(file, small, 8192), small)) {
        assertThat(split.inMemory()).isFalse();
        // The default window: the rows a quarter of the limit holds, so several reads per epoch.
        assertThat(split.shuffleWindow()).isBetween(TableSplit.Builder.MIN_SHUFFLE_WINDOW, split.rows(Split.TRAIN) / 3);
        for (Split s : Split.values()) {
          split.batches(s, 512).doOnNext(batch -> {
            try (batch) {
              IntVector label = (IntVector) batch.root().getVector("label");
              BigIntVector id = (BigIntVector) batch.root().getVector("id");
              for (int r = 0; r < batch.rowCount(); r++) {
                counts[s.ordinal()][label.get(r)]++;
                if (s == Split.TRAIN) {
                  trainIds.add(id.get(r));
                }
              }
            }
          }).blockLast();
        }
        assertThat(small.getPeakMemoryAllocation()).isLessThanOrEqualTo(limit);
      }
      small.close();
    }
    // 30,000 rows of class 1 and 270,000 of class 0.
    assertThat(counts[Split.TEST.ordinal()]).containsExactly(54_000, 6_000);
    assertThat(counts[Split.VALIDATION.ordinal()]).containsExactly(27_000, 3_000);
    assertThat(counts[Split.TRAIN.ordinal()]).containsExactly(189_000, 21_000);
    // Every train row once, shuffled across the whole table: the first batch holds both classes
    // in about their proportion (1 in 10), though the table stores all class-1 rows first.
    assertThat(new HashSet<>(trainIds)).hasSize(trainIds.size());
    long ones = trainIds.subList(0, 512).stream().filter(id -> SortedTable.label(id, rows) == 1).count();
    assertThat(ones).isBetween(20L, 90L);
  }

  @Test
  void aPlainRandomSplitOfAnUnstratifiedTableHasExactCounts() throws IOException {
    Path file = SortedTable.write(dir.resolve("sorted.arrow"), allocator, 1_001, 256);
    try (TableSplit split = TableSplit.builder().validation(0.15).test(0.25).seed(1)
        .plan(table(file, allocator, 100), allocator)) {
      assertThat(split.rows(Split.TEST)).isEqualTo(250);
      assertThat(split.rows(Split.VALIDATION)).isEqualTo(150);
      assertThat(split.rows(Split.TRAIN)).isEqualTo(601);
      assertThat(idsOf(split.batches(Split.TEST, 64))).hasSize(250);
    }
  }

  @Test
  void cancellingMidEpochReleasesEveryBatchInBothModes() throws IOException {
    Path file = SortedTable.write(dir.resolve("sorted.arrow"), allocator, ROWS, 256);
    for (long limit : new long[] {-1, 0}) {
      try (TableSplit split = split(file, 5, limit)) {
        List<ArrowBatch> taken = split.batches(Split.TRAIN, 32).take(3).collectList().block();
        assertThat(taken).hasSize(3);
        taken.forEach(ArrowBatch::close);
      }
    }
  }

  @Test
  void aTableThatFailsDuringAWindowPassHasReleasedTheWindowWhenTheFailureArrives() throws IOException {
    Path file = SortedTable.write(dir.resolve("sorted.arrow"), allocator, ROWS, 256);
    AtomicInteger reads = new AtomicInteger();
    // Read whole to plan the split, then failing after three batches of the first window's pass.
    Flux<ArrowBatch> failingLater = Flux.defer(() -> reads.incrementAndGet() == 1
        ? table(file, allocator, 128)
        : table(file, allocator, 128).take(3).concatWith(Flux.error(new IllegalStateException("disk went away"))));
    try (TableSplit split = TableSplit.builder().validation(0.2).test(0.2).seed(11).stratifyBy("label")
        .inMemoryLimit(0).shuffleWindow(250).plan(failingLater, allocator)) {
      List<String> openAtTheFailure = new ArrayList<>();
      assertThatThrownBy(() -> split.batches(Split.TRAIN, 64)
          .doOnNext(ArrowBatch::close)
          .doOnError(e -> allocator.getChildAllocators().forEach(child -> openAtTheFailure.add(child.getName())))
          .blockLast())
          .hasMessage("disk went away");
      assertThat(reads).hasValue(2);
      assertThat(openAtTheFailure).as("child allocators open when the failure arrived").isEmpty();
    }
  }

  @Test
  void aFloatingPointColumnCannotStratifyAndEmptyTablesAndBadFractionsAreRefused() throws IOException {
    Path file = SortedTable.write(dir.resolve("sorted.arrow"), allocator, 100, 50);
    assertThatThrownBy(() -> TableSplit.builder().stratifyBy("a").plan(table(file, allocator, 50), allocator))
        .isInstanceOf(ColumnTypeException.class)
        .hasMessageContaining("column 'a': stratification needs class labels");
    assertThatThrownBy(() -> TableSplit.builder().stratifyBy("species").plan(table(file, allocator, 50), allocator))
        .isInstanceOf(MissingColumnException.class).hasMessageContaining("the columns are [id, a, b, label]");
    assertThatThrownBy(() -> TableSplit.builder().validation(0.5).test(0.5).plan(table(file, allocator, 50), allocator))
        .hasMessageContaining("leave nothing to train on");
  }
}
