package io.solstice.benchmarks;

import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.ArrowTensorBatch;
import io.solstice.arrow.FeatureSpec;
import io.solstice.benchmarks.internal.ArrowFiles;
import io.solstice.benchmarks.internal.Interleaved;
import io.solstice.benchmarks.internal.Json;
import io.solstice.benchmarks.internal.SyntheticMnist;
import io.solstice.benchmarks.internal.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.datavec.arrow.ArrowConverter;
import org.datavec.arrow.recordreader.ArrowWritableRecordBatch;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reading an Arrow IPC file that is in the page cache into feature INDArrays.
 *
 * <p><b>What is timed.</b> Solstice: {@code ArrowSources.ipcFile} + {@code
 * FeatureSpec.toTensors} until every batch's feature INDArray (and label vector) exists, each
 * batch closed after one element of it has been read; the file reader copies each record
 * batch's bytes from the page cache into Arrow buffers, and the features are wrapped without a
 * further copy. memcpy: a {@code FileChannel} reading the whole file into one direct
 * {@code ByteBuffer} (allocated once, before timing), which is one copy of the same bytes. Both
 * throughputs are file bytes per second; neither side sums the data afterwards.
 *
 * <p>DataVec: {@code ArrowConverter.readFromFile} + {@code ArrowConverter.toArray} on a file
 * with one Float32 column per feature (DataVec cannot read {@code FixedSizeList} columns),
 * against Solstice reading the same file ({@code FeatureSpec} gathering the 784 columns into
 * one matrix).
 */
public final class IngestBenchmark {

  /** Rows per record batch in the files. */
  public static final int FILE_BATCH_ROWS = 1024;

  /** Warm-up runs per configured warm-up pair (see {@link #againstMemcpy}). */
  static final int WARMUP_FACTOR = 40;

  private IngestBenchmark() {}

  /**
   * Runs both comparisons.
   *
   * @param config sizes and pair counts
   * @return {@code ingest_vs_memcpy}, {@code ingest_speedup_vs_datavec} and the details
   */
  public static Json.Obj run(BenchConfig config) {
    Path dir = null;
    try (BufferAllocator allocator = new RootAllocator()) {
      dir = Files.createTempDirectory("solstice-bench-ingest");
      int width = SyntheticMnist.FEATURES;
      SyntheticMnist.Data data = SyntheticMnist.generate(config.ingestRows(), 5, 7);
      Path listFile = dir.resolve("features-list.arrow");
      ArrowFiles.writeFixedSizeList(data, width, listFile, FILE_BATCH_ROWS, allocator);
      Json.Obj out = Json.obj();
      out.put("vs_memcpy", againstMemcpy(config, listFile, allocator));

      // DataVec converts cell by cell; a twentieth of the rows keeps its runs short.
      SyntheticMnist.Data wideData =
          SyntheticMnist.generate(Math.max(256, config.ingestRows() / 20), 6, 7);
      Path wideFile = dir.resolve("features-wide.arrow");
      ArrowFiles.writeWide(wideData, width, wideFile, wideData.rows(), allocator);
      out.put("vs_datavec", againstDataVec(config, wideFile, wideData.rows(), allocator));

      Json.Obj memcpy = (Json.Obj) out.get("vs_memcpy");
      Json.Obj datavec = (Json.Obj) out.get("vs_datavec");
      out.put("ingest_vs_memcpy", memcpy.get("ratio_median"));
      out.put("ingest_speedup_vs_datavec", datavec.get("ratio_median"));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the benchmark's Arrow files", e);
    } finally {
      deleteQuietly(dir);
    }
  }

  private static Json.Obj againstMemcpy(BenchConfig config, Path file, BufferAllocator allocator)
      throws IOException {
    long bytes = Files.size(file);
    FeatureSpec spec = FeatureSpec.builder()
        .features(ArrowFiles.FEATURES).width(SyntheticMnist.FEATURES)
        .label(ArrowFiles.LABEL).numClasses(SyntheticMnist.CLASSES).build();
    ByteBuffer target = ByteBuffer.allocateDirect(Math.toIntExact(bytes));
    long[] rows = {0};
    // One run is only a few dozen batches: the reader's code paths need many runs before the
    // JIT has compiled them (the first runs are several times slower), hence the long warm-up.
    Interleaved.Comparison comparison = Interleaved.compare(WARMUP_FACTOR * config.warmupPairs(),
        config.pairs(),
        () -> Timer.throughput(bytes, () -> rows[0] = readWithSolstice(file, spec, allocator)),
        () -> Timer.throughput(bytes, () -> readFully(file, target)));
    return Json.obj()
        .put("file", "FixedSizeList<Float32>[784] + Int32 label, " + rows[0] + " rows in batches of "
            + FILE_BATCH_ROWS + ", " + bytes + " bytes")
        .put("timed", "file (page cache) -> feature INDArray [rows, 784] + label INDArray, "
            + "per batch; no summing. memcpy = FileChannel.read of the whole file into a "
            + "preallocated direct ByteBuffer")
        .put("comparison", comparison.toJson("Solstice ArrowSources.ipcFile + FeatureSpec.toTensors",
            "FileChannel read into a direct ByteBuffer", "bytes_per_s"))
        .put("solstice_gb_per_s", comparison.summaryA().median() / 1e9)
        .put("memcpy_gb_per_s", comparison.summaryB().median() / 1e9)
        .put("ratio_median", comparison.ratio().median());
  }

  private static Json.Obj againstDataVec(
      BenchConfig config, Path file, int rows, BufferAllocator allocator) throws IOException {
    long bytes = Files.size(file);
    String[] columns = new String[SyntheticMnist.FEATURES];
    for (int j = 0; j < columns.length; j++) {
      columns[j] = ArrowFiles.wideColumn(j);
    }
    FeatureSpec spec = FeatureSpec.builder()
        .features(columns).label(ArrowFiles.LABEL).numClasses(SyntheticMnist.CLASSES).build();
    Json.Obj out = Json.obj()
        .put("file", "784 Float32 columns + Int32 label, " + rows + " rows in one batch, "
            + bytes + " bytes")
        .put("timed", "file (page cache) -> feature INDArray. DataVec: ArrowConverter.readFromFile"
            + " + ArrowConverter.toArray (features and label in one [rows, 785] matrix)."
            + " Solstice: ArrowSources.ipcFile + FeatureSpec.toTensors gathering 784 columns");
    long[] dataVecRows = {0};
    try {
      dataVecRows[0] = readWithDataVec(file);
    } catch (RuntimeException | LinkageError | IOException e) {
      // datavec-arrow 1.0.0-M2.1 was built against Arrow 6; say so rather than fail the run.
      return out.put("error", "DataVec ArrowConverter failed on Arrow "
          + org.apache.arrow.vector.VectorSchemaRoot.class.getPackage().getImplementationVersion()
          + ": " + e).put("ratio_median", null);
    }
    for (int i = 0; i < WARMUP_FACTOR * config.warmupPairs(); i++) {
      readWithSolstice(file, spec, allocator);
    }
    Interleaved.Comparison comparison = Interleaved.compare(config.warmupPairs(), config.pairs(),
        () -> Timer.throughput(bytes, () -> readWithSolstice(file, spec, allocator)),
        () -> Timer.throughput(bytes, () -> {
          try {
            dataVecRows[0] = readWithDataVec(file);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }));
    return out
        .put("datavec_rows", dataVecRows[0])
        .put("comparison", comparison.toJson("Solstice ArrowSources.ipcFile + FeatureSpec.toTensors",
            "DataVec ArrowConverter.readFromFile + toArray", "bytes_per_s"))
        .put("solstice_gb_per_s", comparison.summaryA().median() / 1e9)
        .put("datavec_gb_per_s", comparison.summaryB().median() / 1e9)
        .put("ratio_median", comparison.ratio().median());
  }

  /** Reads every batch into tensors and closes it; returns the rows read. */
  static long readWithSolstice(Path file, FeatureSpec spec, BufferAllocator allocator) {
    long[] rows = {0};
    double[] check = {0};
    ArrowSources.ipcFile(file, allocator)
        .map(spec::toTensors)
        .doOnNext(batch -> {
          try (ArrowTensorBatch tensors = batch) {
            INDArray features = tensors.features();
            check[0] += features.getFloat(0L);
            rows[0] += features.size(0);
          }
        })
        .blockLast();
    if (Double.isNaN(check[0])) {
      throw new IllegalStateException("features read as NaN");
    }
    return rows[0];
  }

  /** DataVec's conversion of the whole file; returns the rows of the resulting matrix. */
  static long readWithDataVec(Path file) throws IOException {
    Pair<org.datavec.api.transform.schema.Schema, ArrowWritableRecordBatch> read =
        ArrowConverter.readFromFile(file.toFile());
    ArrowWritableRecordBatch batch = read.getSecond();
    try {
      INDArray matrix = ArrowConverter.toArray(batch);
      long rows = matrix.size(0);
      matrix.close();
      return rows;
    } finally {
      batch.close();
    }
  }

  /** Reads the whole file into the buffer: one copy of its bytes out of the page cache. */
  static void readFully(Path file, ByteBuffer target) {
    target.clear();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      while (target.hasRemaining() && channel.read(target) >= 0) {
        // keep reading until the buffer is full or the file ends
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // a leftover temporary file is not worth failing the report for
    }
  }
}
