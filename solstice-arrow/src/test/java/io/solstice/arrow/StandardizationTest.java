package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.solstice.core.metrics.FeatureMoments;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** Standardization fitted in one pass over a split and applied by the feature spec. */
class StandardizationTest {
  private static final long ROWS = 1_000;

  @TempDir Path dir;
  private final BufferAllocator allocator = new RootAllocator();

  @AfterEach
  void closeAllocator() {
    allocator.close();
  }

  private static FeatureMoments moments(reactor.core.publisher.Flux<ArrowTensorBatch> batches) {
    return batches.reduce(FeatureMoments.none(), (m, t) -> {
      try (t) {
        return m.merge(FeatureMoments.of(t.features()));
      }
    }).block();
  }

  @Test
  void fittedOnTheTrainSplitInOnePassItEqualsTheTwoPassStatisticsAndCentresTheFeatures() throws IOException {
    Path file = SortedTable.write(dir.resolve("t.arrow"), allocator, ROWS, 128);
    FeatureSpec raw = FeatureSpec.builder().features("a", "b", "id").label("label").featureType(DataType.DOUBLE)
        .build();
    try (TableSplit split = TableSplit.builder().test(0.25).seed(1).stratifyBy("label")
        .plan(ArrowSources.ipcFile(file, allocator), allocator)) {
      Standardization fitted = Standardization.of(moments(split.batches(Split.TRAIN, 64).map(raw::toTensors)));

      // The same statistics computed the textbook way: all train rows, then two passes.
      List<double[]> rows = split.batches(Split.TRAIN, 500).map(raw::toTensors).flatMapIterable(t -> {
        try (t) {
          return List.of(t.features().toDoubleMatrix());
        }
      }).collectList().block();
      double[][] train = rows.toArray(double[][]::new);
      for (int c = 0; c < 3; c++) {
        double mean = 0;
        for (double[] row : train) {
          mean += row[c];
        }
        mean /= train.length;
        double variance = 0;
        for (double[] row : train) {
          variance += (row[c] - mean) * (row[c] - mean) / train.length;
        }
        assertThat(fitted.mean()[c]).as("mean %d", c).isCloseTo(mean, within(1e-9 * Math.abs(mean)));
        double scale = variance == 0 ? 1 : Math.sqrt(variance);
        assertThat(fitted.scale()[c]).as("scale %d", c).isCloseTo(scale, within(1e-9 * scale));
      }
      assertThat(fitted.scale()[1]).as("the constant column 'b' keeps scale 1").isEqualTo(1.0);

      FeatureSpec standardized = FeatureSpec.builder().features("a", "b", "id").label("label").standardize(fitted)
          .build();
      FeatureMoments after = moments(split.batches(Split.TRAIN, 64).map(standardized::toTensors));
      assertThat(after.mean()).containsExactly(new double[] {0, 0, 0}, within(1e-5));
      assertThat(after.variance()).containsExactly(new double[] {1, 0, 1}, within(1e-4));
    }
  }

  @Test
  void aListColumnIsStandardizedIntoACopyLeavingTheCallersBuffersAlone() {
    List<VectorSchemaRoot> roots = TestData.roots(allocator, 1, 4);
    try {
      Standardization s = Standardization.of(new double[] {10, 11, 12, 13}, new double[] {10, 10, 10, 10});
      FeatureSpec spec = FeatureSpec.builder().features("pixels").label("label").standardize(s).build();
      try (ArrowTensorBatch t = spec.toTensors(
          ArrowSources.roots("r", roots, null, allocator, ReadOptions.defaults()).blockFirst())) {
        // Row id has pixels id * 10 + c: standardized, (id * 10 + c - (10 + c)) / 10 = id - 1.
        assertThat(t.features().toDoubleMatrix()).isDeepEqualTo(new double[][] {
            {-1, -1, -1, -1}, {0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2}});
      }
      List<?> untouched = ((org.apache.arrow.vector.complex.FixedSizeListVector) roots.get(0).getVector("pixels"))
          .getObject(1);
      assertThat(untouched).isEqualTo(List.of(10f, 11f, 12f, 13f));
    } finally {
      roots.forEach(VectorSchemaRoot::close);
    }
  }

  @Test
  void aStandardizationOfAnotherWidthIsRefusedNamingBothWidths() {
    List<VectorSchemaRoot> roots = TestData.roots(allocator, 1, 2);
    try {
      FeatureSpec spec = FeatureSpec.builder().features("x1", "x2").label("label")
          .standardize(Standardization.of(new double[] {0, 0, 0}, new double[] {1, 1, 1})).build();
      ArrowBatch batch = ArrowSources.roots("r", roots, null, allocator, ReadOptions.defaults()).blockFirst();
      assertThatThrownBy(() -> spec.toTensors(batch))
          .isInstanceOf(ArrowDataException.class)
          .hasMessage("the standardization was fitted on 3 features but the batch has 2");
      assertThat(batch.isClosed()).isTrue();
    } finally {
      roots.forEach(VectorSchemaRoot::close);
    }
    assertThatThrownBy(() -> Standardization.of(new double[] {0}, new double[] {0}))
        .hasMessageContaining("feature 0: scale must be positive");
  }
}
