package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.complex.impl.UnionListWriter;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
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

  /**
   * Columns of the layouts the checks made before Arrow loads a batch walk (bit-packed and
   * variable-width values, lists, structs, fixed-size lists, decimals, the null type, dictionary
   * indices), with nulls and an empty batch, read back unchanged from a stream and a file: the
   * checks refuse no valid batch.
   */
  @Test
  void everyColumnLayoutReadsBackUnchanged() throws Exception {
    VarCharVector words = new VarCharVector("words", allocator);
    words.allocateNew();
    words.setSafe(0, "setosa".getBytes(StandardCharsets.UTF_8));
    words.setSafe(1, "virginica".getBytes(StandardCharsets.UTF_8));
    words.setValueCount(2);
    DictionaryEncoding encoding = new DictionaryEncoding(3, false, new ArrowType.Int(8, true));
    DictionaryProvider dictionaries = new DictionaryProvider.MapDictionaryProvider(new Dictionary(words, encoding));
    Field int32 = Field.nullable("x", new ArrowType.Int(32, true));
    Schema schema = new Schema(List.of(
        Field.nullable("flag", ArrowType.Bool.INSTANCE),
        Field.nullable("name", ArrowType.Utf8.INSTANCE),
        new Field("tags", FieldType.nullable(ArrowType.List.INSTANCE), List.of(int32)),
        new Field("point", FieldType.nullable(ArrowType.Struct.INSTANCE),
            List.of(int32, Field.nullable("y", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)))),
        new Field("pair", FieldType.nullable(new ArrowType.FixedSizeList(2)), List.of(int32)),
        Field.nullable("amount", new ArrowType.Decimal(9, 2, 128)),
        Field.nullable("nothing", ArrowType.Null.INSTANCE),
        new Field("species", new FieldType(true, encoding.getIndexType(), encoding), null)));
    List<String> written = new ArrayList<>();
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    Path file = dir.resolve("layouts.arrow");
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
         ArrowStreamWriter streamWriter = new ArrowStreamWriter(root, dictionaries, Channels.newChannel(stream));
         FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
         ArrowFileWriter fileWriter = new ArrowFileWriter(root, dictionaries, channel)) {
      streamWriter.start();
      fileWriter.start();
      for (int rows : new int[] {7, 0, 3}) {
        fillEveryLayout(root, rows);
        if (rows > 0) { // the sources pass an empty batch over
          written.add(root.contentToTSVString());
        }
        streamWriter.writeBatch();
        fileWriter.writeBatch();
      }
      streamWriter.end();
      fileWriter.end();
    } finally {
      words.close();
    }
    assertThat(contents(ArrowSources.ipcStream("layouts", () -> new ByteArrayInputStream(stream.toByteArray()),
        allocator, ReadOptions.defaults()))).isEqualTo(written);
    assertThat(contents(ArrowSources.ipcFile(file, allocator))).isEqualTo(written);
  }

  /** Fills {@code rows} rows of every column of the layouts schema, a null in every third. */
  private static void fillEveryLayout(VectorSchemaRoot root, int rows) {
    root.allocateNew();
    UnionListWriter tags = ((ListVector) root.getVector("tags")).getWriter();
    StructVector point = (StructVector) root.getVector("point");
    FixedSizeListVector pair = (FixedSizeListVector) root.getVector("pair");
    for (int r = 0; r < rows; r++) {
      tags.setPosition(r);
      if (r % 3 == 1) {
        continue;
      }
      ((BitVector) root.getVector("flag")).setSafe(r, r % 2);
      ((VarCharVector) root.getVector("name")).setSafe(r, ("row " + r).getBytes(StandardCharsets.UTF_8));
      tags.startList();
      for (int i = 0; i < r; i++) {
        tags.writeInt(i);
      }
      tags.endList();
      ((IntVector) point.getChild("x")).setSafe(r, r);
      ((Float8Vector) point.getChild("y")).setSafe(r, r / 4.0);
      point.setIndexDefined(r);
      pair.setNotNull(r);
      ((IntVector) pair.getDataVector()).setSafe(2 * r, r);
      ((IntVector) pair.getDataVector()).setSafe(2 * r + 1, -r);
      ((DecimalVector) root.getVector("amount")).setSafe(r, 100L * r + 5);
      ((TinyIntVector) root.getVector("species")).setSafe(r, r % 2);
    }
    tags.setValueCount(rows);
    pair.getDataVector().setValueCount(2 * rows);
    root.setRowCount(rows);
  }

  /** Every batch of a source as tab-separated text. */
  private static List<String> contents(Flux<ArrowBatch> source) {
    return source.map(b -> {
      try (b) {
        return b.root().contentToTSVString();
      }
    }).collectList().block();
  }
}
