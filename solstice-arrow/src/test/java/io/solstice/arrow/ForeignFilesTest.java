package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files written by another Arrow implementation (Arrow C++) read correctly, dictionary-encoded
 * label columns included. See {@link ForeignFixtures} for how the committed fixture was made.
 */
class ForeignFilesTest {
  @TempDir Path dir;
  final RootAllocator allocator = new RootAllocator();

  @AfterEach
  void closeAllocator() {
    allocator.close();
  }

  static Path fixture(String name) throws URISyntaxException {
    return Path.of(ForeignFilesTest.class.getResource("/fixtures/" + name).toURI());
  }

  private void assertFlowers(List<ArrowTensorBatch> batches, List<String> expectedNames, List<Integer> classOf) {
    int row = 0;
    for (ArrowTensorBatch b : batches) {
      try (b) {
        assertThat(b.classNames()).isEqualTo(expectedNames);
        for (int r = 0; r < b.rows(); r++, row++) {
          for (int c = 0; c < ForeignFixtures.WIDTH; c++) {
            assertThat(b.features().getFloat(r, c)).isEqualTo(ForeignFixtures.measurement(row, c));
          }
          assertThat(b.labels().getLong(r)).isEqualTo((long) classOf.get(ForeignFixtures.speciesOf(row)));
        }
      }
    }
    assertThat(row).isEqualTo(ForeignFixtures.ROWS);
  }

  @Test
  void anIpcFileWrittenByArrowCppReadsWithItsDictionaryLabels() throws Exception {
    FeatureSpec spec = FeatureSpec.builder().features("measurements").width(4).label("species").build();
    List<ArrowTensorBatch> batches = ArrowSources.ipcFile(fixture("flowers-cpp.arrow"), allocator)
        .map(spec::toTensors).collectList().block();
    assertFlowers(batches, ForeignFixtures.SPECIES, List.of(0, 1, 2));
  }

  @Test
  void dictionaryLabelsMapByNameToTheConfiguredClassOrder() throws Exception {
    List<String> alphabetical = List.of("setosa", "versicolor", "virginica");
    FeatureSpec spec = FeatureSpec.builder().features("measurements").label("species").classNames(alphabetical).build();
    List<ArrowTensorBatch> batches = ArrowSources.ipcFile(fixture("flowers-cpp.arrow"), allocator,
            ReadOptions.builder().batchSize(5).build())
        .map(spec::toTensors).collectList().block();
    // the file's dictionary is [virginica, setosa, versicolor]: index 0 -> 2, 1 -> 0, 2 -> 1
    assertFlowers(batches, alphabetical, List.of(2, 0, 1));
  }

  @Test
  void theOtherColumnsOfTheForeignFileKeepTheirValues() throws Exception {
    List<Double> weights = new ArrayList<>();
    ArrowSources.ipcFile(fixture("flowers-cpp.arrow"), allocator).doOnNext(b -> {
      try (b) {
        Float8Vector w = (Float8Vector) b.root().getVector("weight");
        for (int r = 0; r < b.rowCount(); r++) {
          weights.add(w.get(r));
        }
      }
    }).blockLast();
    assertThat(weights).hasSize(ForeignFixtures.ROWS);
    for (int r = 0; r < ForeignFixtures.ROWS; r++) {
      assertThat(weights.get(r)).isEqualTo(ForeignFixtures.weight(r));
    }
  }

  @Test
  void aParquetFileWrittenByArrowCppWithDictionaryLabelsReads() throws Exception {
    Path parquet = ParquetTest.writeParquet(Files.createDirectory(dir.resolve("p")).resolve("flowers.parquet"), allocator,
        ForeignFixtures.javaStream(allocator));
    FeatureSpec spec = FeatureSpec.builder().features("measurements").label("species")
        .classNames(ForeignFixtures.SPECIES).build();
    List<ArrowTensorBatch> batches = ArrowSources.parquet(parquet, allocator, ReadOptions.defaults())
        .map(spec::toTensors).collectList().block();
    assertFlowers(batches, ForeignFixtures.SPECIES, List.of(0, 1, 2));
  }

  @Test
  void dictionaryLabelsSurviveAFlightHop() throws Exception {
    Path file = fixture("flowers-cpp.arrow");
    try (FlightBatchServer server = FlightBatchServer.builder(allocator, t -> ArrowSources.ipcFile(file, allocator))
        .start()) {
      FeatureSpec spec = FeatureSpec.builder().features("measurements").label("species").build();
      List<ArrowTensorBatch> batches = ArrowSources.flight(server.location(), FlightTest.TICKET, allocator,
              ReadOptions.builder().batchSize(4).build())
          .map(spec::toTensors).collectList().block();
      assertFlowers(batches, ForeignFixtures.SPECIES, List.of(0, 1, 2));
    }
  }
}
