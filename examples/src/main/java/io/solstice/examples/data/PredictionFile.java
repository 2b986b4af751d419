package io.solstice.examples.data;

import io.solstice.arrow.ArrowBatch;
import io.solstice.core.io.CsvLine;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.arrow.dataset.file.DatasetFileWriter;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import reactor.core.publisher.Flux;

/**
 * Writes predicted batches as a {@link PredictionTable} file, batch by batch: at most a couple of
 * batches are in memory whatever the input's size. The file appears whole or not at all.
 */
public final class PredictionFile {

  /** The formats predictions are written in. */
  public enum Format {
    /** An Arrow IPC file. */
    ARROW("arrow"),
    /** A Parquet file (arrow-dataset's writer). */
    PARQUET("parquet"),
    /** A CSV file with a header, one {@code probability_<class>} column per class. */
    CSV("csv");

    private final String extension;

    Format(String extension) {
      this.extension = extension;
    }

    /**
     * The format named on the command line.
     *
     * @param name {@code arrow}, {@code parquet} or {@code csv}
     * @return the format
     * @throws UsageException for another name
     */
    public static Format of(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "arrow" -> ARROW;
        case "parquet" -> PARQUET;
        case "csv" -> CSV;
        default -> throw new UsageException("--format must be arrow, parquet or csv, got " + name);
      };
    }

    /**
     * The format a file name says, by its extension.
     *
     * @param file the file
     * @return the format, or null when its extension names none
     */
    public static Format named(Path file) {
      String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
      int dot = name.lastIndexOf('.');
      return switch (dot < 0 ? "" : name.substring(dot + 1)) {
        case "arrow", "arrows", "ipc", "feather" -> ARROW;
        case "parquet" -> PARQUET;
        case "csv" -> CSV;
        default -> null;
      };
    }

    /**
     * The file extension of the format, without the dot.
     *
     * @return it
     */
    public String extension() {
      return extension;
    }
  }

  /** The batches the reading side may hold ahead of the writer. */
  private static final int PREFETCH = 1;

  /** How long the native Parquet writer is given to release its last batches. */
  private static final Duration NATIVE_RELEASE_BOUND = Duration.ofSeconds(10);

  private PredictionFile() {}

  /**
   * Writes the predictions.
   *
   * @param predicted the output of {@link io.solstice.arrow.ArrowFlux#predict}; each batch is closed once written
   * @param features the feature columns (left out of the file)
   * @param classes the class names by index, or empty for a regressor
   * @param target the file to write
   * @param format its format
   * @param allocator the allocator of the writer's buffers
   * @param output how files are written
   * @return the rows written
   * @throws IOException when the file cannot be written
   * @throws UsageException when there are no rows
   */
  public static long write(Flux<ArrowBatch> predicted, List<String> features, List<String> classes, Path target,
      Format format, BufferAllocator allocator, OutputFiles output) throws IOException {
    try (Stream<ArrowBatch> stream = predicted.doOnDiscard(ArrowBatch.class, ArrowBatch::close).toStream(PREFETCH)) {
      Iterator<ArrowBatch> batches = stream.iterator();
      if (!batches.hasNext()) {
        throw new UsageException("the input has no rows to predict");
      }
      ArrowBatch first = batches.next();
      PredictionTable table;
      try {
        table = PredictionTable.of(first, features, classes);
      } catch (RuntimeException e) {
        first.close();
        throw e;
      }
      return switch (format) {
        case ARROW -> writeArrow(first, batches, table, target, allocator, output);
        case PARQUET -> writeParquet(first, batches, table, target, allocator, output);
        case CSV -> writeCsv(first, batches, table, target, allocator, output);
      };
    }
  }

  private static long writeArrow(ArrowBatch first, Iterator<ArrowBatch> batches, PredictionTable table, Path target,
      BufferAllocator allocator, OutputFiles output) throws IOException {
    try (Filled filled = new Filled(first, batches, table, allocator)) {
      output.write(target, channel -> {
        try (ArrowFileWriter writer = new ArrowFileWriter(filled.root, null, channel)) {
          writer.start();
          while (filled.next()) {
            writer.writeBatch();
          }
          writer.end();
        }
      });
      return filled.rows;
    }
  }

  private static long writeCsv(ArrowBatch first, Iterator<ArrowBatch> batches, PredictionTable table, Path target,
      BufferAllocator allocator, OutputFiles output) throws IOException {
    try (Filled filled = new Filled(first, batches, table, allocator)) {
      output.write(target, channel -> {
        Writer writer = new BufferedWriter(Channels.newWriter(channel, StandardCharsets.UTF_8));
        writer.write(CsvLine.of(table.csvHeader()));
        while (filled.next()) {
          for (int r = 0; r < filled.root.getRowCount(); r++) {
            writer.write(CsvLine.of(table.csvCells(filled.root, r)));
          }
        }
        writer.flush();
      });
      return filled.rows;
    }
  }

  /**
   * The batches to write, each in turn filled into one root of the table's schema; every batch
   * is closed, the first too when writing stops before it.
   */
  private static final class Filled implements AutoCloseable {
    final VectorSchemaRoot root;
    private final Iterator<ArrowBatch> batches;
    private final PredictionTable table;
    private ArrowBatch first;
    long rows;

    Filled(ArrowBatch first, Iterator<ArrowBatch> batches, PredictionTable table, BufferAllocator allocator) {
      this.first = first;
      this.batches = batches;
      this.table = table;
      this.root = VectorSchemaRoot.create(table.schema(), allocator);
    }

    /** Fills the root with the next batch; false when there is none. */
    boolean next() {
      if (first == null && !batches.hasNext()) {
        return false;
      }
      try (ArrowBatch batch = first != null ? first : batches.next()) {
        first = null;
        table.fill(batch, root);
        rows += batch.rowCount();
      }
      return true;
    }

    @Override
    public void close() {
      if (first != null) {
        first.close();
      }
      root.close();
    }
  }

  private static long writeParquet(ArrowBatch first, Iterator<ArrowBatch> batches, PredictionTable table,
      Path target, BufferAllocator allocator, OutputFiles output) throws IOException {
    Path absolute = target.toAbsolutePath();
    Files.createDirectories(absolute.getParent());
    Path staging = Files.createTempDirectory(absolute.getParent(), "." + absolute.getFileName() + ".");
    try {
      PredictionReader reader;
      try (BufferAllocator writerMemory = allocator.newChildAllocator("parquet writer", 0, allocator.getLimit())) {
        reader = new PredictionReader(first, batches, table, writerMemory);
        try (reader) {
          DatasetFileWriter.write(writerMemory, reader, FileFormat.PARQUET, staging.toUri().toString(),
              new String[0], 1, "part-{i}.parquet");
        } catch (RuntimeException e) {
          // The native writer reports its failures as text only; the batches' own failure says more.
          if (reader.failure() != null) {
            reader.failure().addSuppressed(e);
            throw reader.failure();
          }
          throw e;
        } finally {
          awaitNativeRelease(writerMemory);
        }
        if (reader.failure() != null) {
          // The batches failed (an interrupt, bad data): the reader ended them there, and the
          // part written so far goes with the staging directory.
          throw reader.failure();
        }
      }
      Path part;
      try (Stream<Path> files = Files.list(staging)) {
        part = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst()
            .orElseThrow(() -> new IOException("the Parquet writer wrote no file"));
      }
      output.write(target, channel -> {
        OutputStream out = Channels.newOutputStream(channel);
        Files.copy(part, out);
        out.flush();
      });
      return reader.rows();
    } finally {
      try (Stream<Path> files = Files.walk(staging)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * Waits until the native writer has let go of the batches exported to it. Its threads release
   * the last of them a moment after {@link DatasetFileWriter#write} has returned (measured: 13 of
   * 300 writes still held between 0.5 and 250 KB when it returned), and an allocator closed
   * before then reports those buffers as leaked. Beyond the bound the close reports what is left.
   */
  private static void awaitNativeRelease(BufferAllocator writerMemory) {
    long deadline = System.nanoTime() + NATIVE_RELEASE_BOUND.toNanos();
    while (writerMemory.getAllocatedMemory() > 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(100_000);
    }
  }
}
