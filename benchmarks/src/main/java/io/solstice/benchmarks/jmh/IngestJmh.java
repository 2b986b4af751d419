package io.solstice.benchmarks.jmh;

import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.ArrowTensorBatch;
import io.solstice.arrow.FeatureSpec;
import io.solstice.benchmarks.internal.ArrowFiles;
import io.solstice.benchmarks.internal.SyntheticMnist;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reading a 20,000-row MNIST-shaped Arrow IPC file ({@code FixedSizeList<Float32>[784]}, about
 * 63 MB, in the page cache) into feature INDArrays with Solstice, against reading its bytes
 * into a direct {@code ByteBuffer}. Scores are whole-file reads per second. The Solstice side
 * needs a long warm-up: its throughput kept rising for about 20 seconds of reads.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 10, time = 2) // the reader takes ~20 s to reach its steady state
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class IngestJmh {

  private Path dir;
  private Path file;
  private BufferAllocator allocator;
  private FeatureSpec spec;
  private ByteBuffer target;

  /**
   * Writes the file.
   *
   * @throws IOException when it cannot be written
   */
  @Setup
  public void setUp() throws IOException {
    allocator = new RootAllocator();
    dir = Files.createTempDirectory("solstice-jmh-ingest");
    file = dir.resolve("features.arrow");
    ArrowFiles.writeFixedSizeList(SyntheticMnist.generate(20_000, 5, 7), SyntheticMnist.FEATURES,
        file, 1024, allocator);
    spec = FeatureSpec.builder().features(ArrowFiles.FEATURES).width(SyntheticMnist.FEATURES)
        .label(ArrowFiles.LABEL).numClasses(SyntheticMnist.CLASSES).build();
    target = ByteBuffer.allocateDirect(Math.toIntExact(Files.size(file)));
  }

  /**
   * Deletes the file and closes the allocator (which fails on a leak).
   *
   * @throws IOException when the file cannot be deleted
   */
  @TearDown
  public void tearDown() throws IOException {
    allocator.close();
    Files.deleteIfExists(file);
    Files.deleteIfExists(dir);
  }

  /**
   * The whole file into feature and label INDArrays, batch by batch.
   *
   * @return the sum of the first feature of each batch (consumed by JMH)
   */
  @Benchmark
  public double solstice() {
    double[] check = {0};
    ArrowSources.ipcFile(file, allocator)
        .map(spec::toTensors)
        .doOnNext(batch -> {
          try (ArrowTensorBatch tensors = batch) {
            check[0] += tensors.features().getFloat(0L);
          }
        })
        .blockLast();
    return check[0];
  }

  /**
   * The whole file's bytes into a direct buffer.
   *
   * @return the bytes read
   * @throws IOException when the file cannot be read
   */
  @Benchmark
  public long memcpy() throws IOException {
    target.clear();
    long read = 0;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      int n;
      while (target.hasRemaining() && (n = channel.read(target)) >= 0) {
        read += n;
      }
    }
    return read;
  }
}
