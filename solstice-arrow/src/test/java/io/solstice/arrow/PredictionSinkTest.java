package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/** The prediction sink writes the prediction operator's batches and the run's metrics to an IPC file. */
class PredictionSinkTest {
  @TempDir Path dir;
  private BufferAllocator allocator;
  private List<VectorSchemaRoot> stored;

  @BeforeEach
  void data() {
    allocator = new RootAllocator();
    stored = TestData.roots(allocator, 3, 4);
  }

  @AfterEach
  void close() {
    stored.forEach(VectorSchemaRoot::close);
    allocator.close(); // fails on a leaked byte
  }

  private Flux<ArrowBatch> source() {
    return ArrowSources.roots("t", stored, null, allocator, ReadOptions.defaults());
  }

  @Test
  void predictionsAndMetricsRoundTripThroughAnIpcFile() {
    Path file = dir.resolve("predictions.arrow");
    try (PredictionSink sink = PredictionSink.open(file, allocator)) {
      long rows = sink.writeAll(source().transform(ArrowFlux.predict(PredictionTest.SPEC, PredictionTest.MODEL,
          PredictionTest::scores))).block();
      sink.putMetrics(Map.of("accuracy", 0.5));
      sink.putMetric("loss", 0.25);
      assertThat(rows).isEqualTo(12);
      assertThat(sink.rowsWritten()).isEqualTo(12);
    }
    List<long[]> idAndPrediction = ArrowSources.ipcFile(file, allocator).concatMapIterable(b -> {
      try (b) {
        BigIntVector id = (BigIntVector) b.root().getVector("id");
        IntVector prediction = (IntVector) b.root().getVector(ArrowFlux.PREDICTION);
        return java.util.stream.IntStream.range(0, b.rowCount())
            .mapToObj(r -> new long[] {id.get(r), prediction.get(r)}).toList();
      }
    }).collectList().block();
    assertThat(idAndPrediction).hasSize(12)
        .allSatisfy(row -> assertThat(row[1]).isEqualTo(PredictionTest.expectedClass(row[0])));
    assertThat(PredictionSink.readMetrics(file, allocator))
        .containsOnly(Map.entry("accuracy", 0.5), Map.entry("loss", 0.25));
    assertThat(dir.resolve("predictions.arrow.tmp")).doesNotExist();
  }

  @Test
  void aFailedWriteLeavesNoFile() {
    Path file = dir.resolve("failed.arrow");
    try (PredictionSink sink = PredictionSink.open(file, allocator)) {
      Flux<ArrowBatch> failing = source().concatWith(Flux.error(new IllegalStateException("source broke")));
      assertThatThrownBy(() -> sink.writeAll(failing).block()).hasMessageContaining("source broke");
    }
    assertThat(file).doesNotExist();
    assertThat(dir.resolve("failed.arrow.tmp")).doesNotExist();
  }

  /** A write given up part way (a timeout, a disposed subscription) must not publish the rows it got so far. */
  @Test
  void aCancelledWriteLeavesNoFile() {
    Path file = dir.resolve("cancelled.arrow");
    try (PredictionSink sink = PredictionSink.open(file, allocator)) {
      Flux<ArrowBatch> endless = source().concatWith(Flux.never());
      assertThatThrownBy(() -> sink.writeAll(endless).block(Duration.ofMillis(300)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Timeout");
      assertThat(sink.rowsWritten()).isEqualTo(12);
    }
    assertThat(file).doesNotExist();
    assertThat(dir.resolve("cancelled.arrow.tmp")).doesNotExist();
  }

  /** The file holds the first batch's dictionaries only, so a later batch with other words cannot be written. */
  @Test
  void batchesWhoseDictionariesChangeFailTheWriteAndLeaveNoFile() {
    Path file = dir.resolve("labels.arrow");
    try (PredictionSink sink = PredictionSink.open(file, allocator)) {
      assertThatThrownBy(() -> sink.writeAll(FlightTest.labelsThenReordered(allocator)).block())
          .isInstanceOf(SchemaChangeException.class)
          .hasMessageContaining("dictionary " + TestData.LABEL_DICTIONARY);
      assertThat(sink.rowsWritten()).isEqualTo(4);
    }
    assertThat(file).doesNotExist();
    assertThat(dir.resolve("labels.arrow.tmp")).doesNotExist();
  }

  @Test
  void aFileThatCannotBeCreatedFailsTheWriteAndClosesCleanly() {
    Path file = dir.resolve("no-such-directory").resolve("predictions.arrow");
    try (PredictionSink sink = PredictionSink.open(file, allocator)) {
      assertThatThrownBy(() -> sink.writeAll(source()).block())
          .isInstanceOf(UncheckedIOException.class)
          .hasMessage("cannot create " + file + ".tmp");
    }
    assertThat(file.getParent()).doesNotExist();
    // The allocator closes in close() below: the sink released its buffers and dictionaries.
  }
}
