package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * Round trips through the train step: rows written as an IPC file, an IPC stream, Parquet and
 * a Flight stream arrive at the step exactly once, in order, with the right values, and every
 * buffer is released afterwards.
 *
 * <p>The steps run in the real engine through {@link TrainStepHarness} ({@code Solstice.run}
 * with one train step per batch).
 */
class TrainStepRoundTripTest {
  static final int BATCHES = 5;
  static final int ROWS = 24;
  static final List<Long> ALL_IDS = LongStream.range(0, BATCHES * ROWS).boxed().toList();

  @TempDir Path dir;
  final RootAllocator allocator = new RootAllocator();

  @AfterEach
  void closeAllocator() {
    allocator.close();
  }

  private static void assertEveryRowOnceInOrder(List<LinearSoftmaxStep.Seen> steps, int maxRowsPerStep) {
    assertThat(steps).allMatch(LinearSoftmaxStep.Seen::valuesMatch, "every feature and label value matches");
    assertThat(steps).allMatch(s -> s.ids().length <= maxRowsPerStep);
    assertThat(steps).allMatch(s -> Double.isFinite(s.loss()));
    assertThat(steps.stream().flatMapToLong(s -> LongStream.of(s.ids())).boxed().toList()).isEqualTo(ALL_IDS);
  }

  private static List<LinearSoftmaxStep.Seen> train(Flux<ArrowBatch> source) {
    return TrainStepHarness.train(source, IpcSourcesTest.spec(), new LinearSoftmaxStep());
  }

  @Test
  void ipcFile() throws Exception {
    Path file = TestData.writeIpcFile(dir, "train.arrow", allocator, BATCHES, ROWS);
    assertEveryRowOnceInOrder(train(ArrowSources.ipcFile(file, allocator, ReadOptions.builder().batchSize(10).build())), 10);
  }

  @Test
  void ipcStream() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TestData.writeIpcStream(bytes, allocator, BATCHES, ROWS);
    assertEveryRowOnceInOrder(train(ArrowSources.ipcStream("train", () -> new ByteArrayInputStream(bytes.toByteArray()),
        allocator, ReadOptions.defaults())), ROWS);
  }

  @Test
  void parquetDirectory() throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"));
    ParquetTest.writeParquet(data.resolve("part-a.parquet"), allocator, 0, 3, ROWS);
    ParquetTest.writeParquet(data.resolve("part-b.parquet"), allocator, 3L * ROWS, BATCHES - 3, ROWS);
    assertEveryRowOnceInOrder(train(ArrowSources.parquet(data, allocator, ReadOptions.builder().batchSize(16).build())), 16);
  }

  @Test
  void flightOnLoopback() throws Exception {
    Path file = TestData.writeIpcFile(dir, "train.arrow", allocator, BATCHES, ROWS);
    try (FlightBatchServer server = FlightBatchServer.builder(allocator, t -> ArrowSources.ipcFile(file, allocator))
        .start()) {
      assertThat(server.location().getUri().getHost()).isEqualTo("127.0.0.1");
      assertEveryRowOnceInOrder(train(ArrowSources.flight(server.location(), FlightTest.TICKET, allocator,
          ReadOptions.builder().batchSize(7).build())), 7);
    }
  }
}
