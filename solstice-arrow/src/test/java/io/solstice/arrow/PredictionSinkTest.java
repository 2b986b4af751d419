package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/** Predictions and metrics written to an IPC file read back with the same values. */
class PredictionSinkTest {
  @TempDir Path dir;
  final RootAllocator allocator = new RootAllocator();

  @AfterEach
  void closeAllocator() {
    allocator.close();
  }

  @Test
  void predictionsAndMetricsRoundTripThroughAnIpcFile() {
    Path file = dir.resolve("predictions.arrow");
    try (PredictionSink sink = PredictionSink.open(file, allocator, 3)) {
      sink.write(new long[] {10, 11}, Nd4j.createFromArray(new float[][] {{0.1f, 0.7f, 0.2f}, {0.6f, 0.3f, 0.1f}}),
          Nd4j.createFromArray(1L, 2L));
      sink.write(new long[] {12}, Nd4j.createFromArray(new double[][] {{0.2, 0.2, 0.6}}), null);
      sink.putMetrics(Map.of("accuracy", 0.5));
      sink.putMetric("loss", 0.25);
      assertThat(sink.rowsWritten()).isEqualTo(3);
    }
    List<Object[]> rows = ArrowSources.ipcFile(file, allocator).concatMapIterable(b -> {
      try (b) {
        BigIntVector id = (BigIntVector) b.root().getVector("id");
        IntVector prediction = (IntVector) b.root().getVector("prediction");
        FixedSizeListVector probabilities = (FixedSizeListVector) b.root().getVector("probabilities");
        IntVector label = (IntVector) b.root().getVector("label");
        return java.util.stream.IntStream.range(0, b.rowCount()).mapToObj(r -> new Object[] {
            id.get(r), prediction.get(r), probabilities.getObject(r), label.getObject(r)}).toList();
      }
    }).collectList().block();
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0)).containsExactly(10L, 1, List.of(0.1f, 0.7f, 0.2f), 1);
    assertThat(rows.get(1)).containsExactly(11L, 0, List.of(0.6f, 0.3f, 0.1f), 2);
    assertThat(rows.get(2)).containsExactly(12L, 2, List.of(0.2f, 0.2f, 0.6f), null);
    assertThat(PredictionSink.readMetrics(file, allocator)).containsOnly(Map.entry("accuracy", 0.5), Map.entry("loss", 0.25));
    assertThat(dir.resolve("predictions.arrow.tmp")).doesNotExist();
  }
}
