package io.solstice.arrow;

import io.solstice.arrow.internal.RowGather;
import io.solstice.arrow.internal.SharedBuffers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Writes predictions, and the metrics of the run that made them, to an Arrow IPC file that any
 * Arrow implementation reads (pyarrow: {@code pa.ipc.open_file(path).read_all()}): a thin writer
 * of the batches {@link ArrowFlux#predict} produces (the input columns followed by {@code
 * prediction}, {@code probabilities} and {@code model_version}), one record batch per batch.
 *
 * <pre>{@code
 * try (PredictionSink sink = PredictionSink.open(file, allocator)) {
 *   sink.writeAll(batches.transform(ArrowFlux.predict(spec, model, MlpClassifier::predict))).block();
 *   sink.putMetrics(testMetrics.compute());
 * }
 * }</pre>
 *
 * <p>The first batch fixes the file's schema and dictionaries; every later batch must have the
 * same schema and equal dictionaries (the file stores one set, so a batch with other words under
 * the same dictionary id would read back as other labels). Metrics go into the file's footer
 * metadata under {@code solstice.metric.<name>}, read back with
 * {@link #readMetrics(Path, BufferAllocator)}. The file is written under a
 * temporary name and renamed into place on {@link #close()}, so a reader never sees half a
 * file; after a failed write (or a failed or cancelled {@link #writeAll}) close deletes the
 * temporary file instead. Not thread-safe: write from one thread at a time. {@link #write} and
 * {@link #close()} hold the sink's lock, so that closing after cancelling a {@link #writeAll}
 * whose batches arrive on another thread waits for the batch being written.
 */
public final class PredictionSink implements AutoCloseable {
  /** The footer metadata key prefix of metrics. */
  public static final String METRIC_PREFIX = "solstice.metric.";

  private final Path target;
  private final Path temporary;
  private final BufferAllocator allocator;
  private final Map<String, String> footer = new LinkedHashMap<>();
  private FileChannel channel;
  private VectorSchemaRoot root;
  private DictionaryProvider.MapDictionaryProvider dictionaries;
  private ArrowFileWriter writer;
  private long rowsWritten;
  /** Set by a failed or cancelled write; a cancel may come from another thread than close. */
  private volatile boolean failed;
  private boolean closed;

  private PredictionSink(Path target, BufferAllocator allocator) {
    this.target = target;
    this.temporary = target.resolveSibling(target.getFileName() + ".tmp");
    this.allocator = allocator;
  }

  /**
   * Opens a sink. The file appears on {@link #close()}, if a batch was written and no write
   * failed.
   *
   * @param file the IPC file to create (replaced on close if it exists)
   * @param allocator the allocator for the sink's write buffers
   * @return the open sink
   */
  public static PredictionSink open(Path file, BufferAllocator allocator) {
    return new PredictionSink(Objects.requireNonNull(file, "file"), Objects.requireNonNull(allocator, "allocator"));
  }

  /**
   * Appends one batch as one record batch. The batch stays the caller's.
   *
   * @param batch an open batch with the schema and dictionaries of the first one written
   * @throws SchemaChangeException if its schema or dictionaries differ from the first batch's
   */
  public synchronized void write(ArrowBatch batch) {
    checkOpen();
    try {
      append(batch);
    } catch (RuntimeException | Error e) {
      failed = true;
      throw e;
    }
  }

  private void append(ArrowBatch batch) {
    if (writer == null) {
      begin(batch);
    } else if (!root.getSchema().getFields().equals(batch.schema().getFields())) {
      throw new SchemaChangeException(null, "the predictions changed their schema at " + batch.position() + " from "
          + root.getSchema() + " to " + batch.schema() + ": an IPC file holds one schema");
    }
    RowGather.requireSameDictionaries(dictionaries, batch, "the predictions",
        "the file holds the first batch's dictionaries, so this batch would read back with other values");
    try (ArrowRecordBatch records = new VectorUnloader(batch.root()).getRecordBatch()) {
      new VectorLoader(root).load(records);
      writer.writeBatch();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write predictions to " + temporary, e);
    }
    rowsWritten += batch.rowCount();
  }

  /**
   * Writes every batch of {@code batches}, closing each after it is written. Cancelling the
   * returned Mono (a {@code block(Duration)} that times out, a disposed subscription) counts as a
   * failed write: {@link #close()} then deletes the file instead of publishing part of it.
   *
   * @param batches the batches, e.g. the output of {@link ArrowFlux#predict}
   * @return the rows written, once {@code batches} has completed
   */
  public Mono<Long> writeAll(Publisher<ArrowBatch> batches) {
    return Flux.from(batches)
        .doOnNext(batch -> {
          try (batch) {
            write(batch);
          }
        })
        .doOnDiscard(ArrowBatch.class, ArrowBatch::close)
        .doOnError(e -> failed = true)
        // A write given up part way (a timeout, a disposed subscription) is as incomplete as a
        // failed one: close must not publish it.
        .doOnCancel(() -> failed = true)
        .then(Mono.fromCallable(() -> rowsWritten));
  }

  /**
   * Records a metric in the file's footer (the last value put under a name wins).
   *
   * @param name the metric name
   * @param value the value
   */
  public void putMetric(String name, double value) {
    checkOpen();
    footer.put(METRIC_PREFIX + Objects.requireNonNull(name, "name"), Double.toString(value));
  }

  /**
   * Records several metrics, such as {@code Metrics.compute()} returns.
   *
   * @param metrics the metrics by name
   */
  public void putMetrics(Map<String, ? extends Number> metrics) {
    metrics.forEach((name, value) -> putMetric(name, value.doubleValue()));
  }

  /**
   * Rows written so far.
   *
   * @return the row count
   */
  public long rowsWritten() {
    return rowsWritten;
  }

  /**
   * Reads the metrics stored in a prediction file's footer.
   *
   * @param file a file written by this sink
   * @param allocator an allocator for reading
   * @return the metrics by name
   */
  public static Map<String, Double> readMetrics(Path file, BufferAllocator allocator) {
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
         ArrowFileReader reader = new ArrowFileReader(in, allocator)) {
      Map<String, Double> metrics = new LinkedHashMap<>();
      reader.getRecordBlocks(); // reads the footer; getMetaData() alone returns nothing before that
      reader.getMetaData().forEach((key, value) -> {
        if (key.startsWith(METRIC_PREFIX)) {
          metrics.put(key.substring(METRIC_PREFIX.length()), Double.parseDouble(value));
        }
      });
      return metrics;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the metrics of " + file, e);
    }
  }

  private void begin(ArrowBatch first) {
    try {
      root = VectorSchemaRoot.create(first.schema(), allocator);
      dictionaries = new DictionaryProvider.MapDictionaryProvider();
      SharedBuffers.shareDictionaries(first, allocator).values().forEach(dictionaries::put);
      channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
      // The writer keeps this map and writes it into the footer at the end, so metrics put in
      // later still reach the file.
      writer = new ArrowFileWriter(root, dictionaries, channel, footer);
      writer.start();
    } catch (IOException e) {
      throw abandon(new UncheckedIOException("cannot create " + temporary, e));
    } catch (RuntimeException e) {
      throw abandon(e);
    } catch (Error e) {
      throw abandon(e);
    }
  }

  /** Undoes a start that failed part way, so that nothing of it stays open or on disk. */
  private <T extends Throwable> T abandon(T failure) {
    writer = null;
    release();
    deleteTemporary(failure);
    return failure;
  }

  /** Writes the footer, closes the file and moves it into place. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (writer == null) {
        // No batch (an empty file with no schema would not be valid Arrow), or a start that
        // failed and cleaned up after itself: write nothing.
        return;
      }
      writer.end();
      writer.close();
      if (failed) {
        Files.deleteIfExists(temporary);
        return;
      }
      Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      UncheckedIOException failure = new UncheckedIOException("cannot finish " + target, e);
      deleteTemporary(failure);
      throw failure;
    } finally {
      release();
    }
  }

  /** Closes the write buffers, the dictionaries' copies and the file, whichever are open. */
  private void release() {
    if (root != null) {
      root.close();
      root = null;
    }
    if (dictionaries != null) {
      for (long id : dictionaries.getDictionaryIds()) {
        dictionaries.lookup(id).getVector().close();
      }
      dictionaries = null;
    }
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // already closed by the writer
      }
      channel = null;
    }
  }

  private void deleteTemporary(Throwable failure) {
    try {
      Files.deleteIfExists(temporary);
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the prediction sink for " + target + " is closed");
    }
  }
}
