package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.arrow.dataset.file.DatasetFileWriter;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/** Parquet through Arrow's dataset scanner; the files are written by Arrow's C++ dataset writer. */
class ParquetTest {
  @TempDir Path dir;
  final RootAllocator allocator = new RootAllocator();

  @AfterEach
  void closeAllocator() {
    allocator.close();
  }

  /** Writes rows [firstId, firstId + batches * rows) of {@link TestData} as one Parquet file. */
  static Path writeParquet(Path target, BufferAllocator allocator, long firstId, int batches, int rows) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(TestData.schema(), allocator);
         ArrowStreamWriter writer = new ArrowStreamWriter(root, null, bytes)) {
      writer.start();
      for (int b = 0; b < batches; b++) {
        TestData.fill(root, firstId + (long) b * rows, rows);
        writer.writeBatch();
      }
      writer.end();
    }
    return writeParquet(target, allocator, bytes.toByteArray());
  }

  /**
   * Writes an IPC stream as one Parquet file with Arrow's C++ dataset writer; the test tree's one
   * way to make a Parquet file.
   *
   * <p>The C++ writer releases the batches exported to it on its own native threads, a moment
   * after {@code write} returns. Closing {@code allocator} right after would then fail with
   * "Memory was leaked" on a loaded machine. So the reader and the writer use a child allocator,
   * and this method waits (up to 30 s) until that child is back at zero bytes before it closes
   * it. A batch that is never released still fails: first the wait, then the child's close.
   */
  static Path writeParquet(Path target, BufferAllocator allocator, byte[] ipcStream) throws IOException {
    Path staging = Files.createTempDirectory(target.getParent(), "staging");
    try (BufferAllocator writing = allocator.newChildAllocator("parquet-writer", 0, Long.MAX_VALUE)) {
      try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(ipcStream), writing)) {
        DatasetFileWriter.write(writing, reader, FileFormat.PARQUET, staging.toUri().toString(),
            new String[0], 1, "part-{i}.parquet");
      }
      await("the Parquet writer's native threads releasing its batches")
          .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(30))
          .until(() -> writing.getAllocatedMemory() == 0);
    }
    try (Stream<Path> files = Files.list(staging)) {
      Path written = files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
      Files.move(written, target);
    }
    return target;
  }

  private static List<Long> ids(reactor.core.publisher.Flux<ArrowBatch> source) {
    return source.concatMapIterable(b -> {
      try (b) {
        BigIntVector id = (BigIntVector) b.root().getVector("id");
        return LongStream.range(0, b.rowCount()).map(i -> id.get((int) i)).boxed().toList();
      }
    }).collectList().block();
  }

  @Test
  void aParquetSourceResumesAtAFileAndBatch() throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"));
    writeParquet(data.resolve("a.parquet"), allocator, 0, 1, 50);
    writeParquet(data.resolve("b.parquet"), allocator, 50, 1, 50);
    ReadOptions plain = ReadOptions.builder().batchSize(20).build();
    List<BatchPosition> positions = ArrowSources.parquet(data, allocator, plain).map(b -> {
      try (b) {
        return b.position();
      }
    }).collectList().block();
    assertThat(positions).extracting(p -> p.fragment() + ":" + p.batch())
        .containsExactly("0:0", "0:1", "0:2", "1:0", "1:1", "1:2");

    ReadOptions resumed = ReadOptions.builder().batchSize(20).startAt(new BatchPosition("data", 1, 1)).build();
    assertThat(ids(ArrowSources.parquet(data, allocator, resumed)))
        .isEqualTo(LongStream.range(70, 100).boxed().toList());
  }

  @Test
  void aMapColumnIsRead() throws Exception {
    // A map of strings, as Spark writes a MapType column: Arrow Java's type check refused it as
    // corrupt data until the reader stopped asking it about maps.
    Field entries = new Field("entries", org.apache.arrow.vector.types.pojo.FieldType.notNullable(
        ArrowType.Struct.INSTANCE), List.of(Field.notNullable("key", ArrowType.Utf8.INSTANCE),
        Field.nullable("value", ArrowType.Utf8.INSTANCE)));
    Schema schema = new Schema(List.of(new Field("attributes",
        org.apache.arrow.vector.types.pojo.FieldType.nullable(new ArrowType.Map(false)), List.of(entries))));
    String[] colours = {"red", "a colour longer than twelve bytes", "blue"};
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
         ArrowStreamWriter writer = new ArrowStreamWriter(root, null, bytes)) {
      org.apache.arrow.vector.complex.MapVector attributes =
          (org.apache.arrow.vector.complex.MapVector) root.getVector("attributes");
      org.apache.arrow.vector.complex.StructVector entry =
          (org.apache.arrow.vector.complex.StructVector) attributes.getDataVector();
      for (int r = 0; r < colours.length; r++) {
        attributes.startNewValue(r);
        entry.setIndexDefined(r);
        entry.getChild("key", org.apache.arrow.vector.VarCharVector.class).setSafe(r, "colour".getBytes());
        entry.getChild("value", org.apache.arrow.vector.VarCharVector.class).setSafe(r, colours[r].getBytes());
        attributes.endValue(r, 1);
      }
      entry.setValueCount(colours.length);
      root.setRowCount(colours.length);
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    Path data = Files.createDirectory(dir.resolve("data"));
    writeParquet(data.resolve("maps.parquet"), allocator, bytes.toByteArray());

    List<String> rows = new java.util.ArrayList<>();
    ArrowSources.parquet(data, allocator, ReadOptions.defaults()).doOnNext(batch -> {
      try (batch) {
        for (int r = 0; r < batch.rowCount(); r++) {
          rows.add(String.valueOf(batch.root().getVector("attributes").getObject(r)));
        }
      }
    }).blockLast(Duration.ofSeconds(30));

    assertThat(rows).containsExactly("[{\"key\":\"colour\",\"value\":\"red\"}]",
        "[{\"key\":\"colour\",\"value\":\"a colour longer than twelve bytes\"}]",
        "[{\"key\":\"colour\",\"value\":\"blue\"}]");
  }

  @Test
  void filesThatDisagreeOnTheSchemaFailWithATypedError() throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"));
    writeParquet(data.resolve("a.parquet"), allocator, 0, 1, 10);
    Schema other = new Schema(List.of(Field.nullable("id", new ArrowType.Utf8())));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(other, allocator);
         ArrowStreamWriter writer = new ArrowStreamWriter(root, null, bytes)) {
      root.allocateNew();
      ((org.apache.arrow.vector.VarCharVector) root.getVector("id")).setSafe(0, "x".getBytes());
      root.setRowCount(1);
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    writeParquet(data.resolve("b.parquet"), allocator, bytes.toByteArray());

    StepVerifier.create(ArrowSources.parquet(data, allocator, ReadOptions.defaults()).doOnNext(ArrowBatch::close))
        .expectNextCount(1)
        .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(SchemaChangeException.class)
            .hasMessageContaining("'id'").hasMessageContaining("fragment 1"))
        .verify();
  }

  @Test
  void cancellingAParquetScanMidFileReleasesTheNativeReader() throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"));
    writeParquet(data.resolve("a.parquet"), allocator, 0, 4, 50);
    reactor.core.publisher.Flux<ArrowBatch> source = ArrowSources.parquet(data, allocator,
        ReadOptions.builder().batchSize(10).build());
    StepVerifier.create(source, 0).thenCancel().verify();
    StepVerifier.create(source, 2).consumeNextWith(ArrowBatch::close).consumeNextWith(ArrowBatch::close)
        .thenCancel().verify();
    // the two batches received are still open and still readable after the cancel
    List<ArrowBatch> held = source.take(2).collectList().block();
    assertThat(held).hasSize(2);
    assertThat(((BigIntVector) held.get(1).root().getVector("id")).get(0)).isEqualTo(10L);
    held.forEach(ArrowBatch::close);
  }
}
