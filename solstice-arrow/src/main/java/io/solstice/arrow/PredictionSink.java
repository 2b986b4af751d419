package io.solstice.arrow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes predictions, and the metrics of the run that made them, to an Arrow IPC file that any
 * Arrow implementation reads (pyarrow: {@code pa.ipc.open_file(path).read_all()}).
 *
 * <p>Columns: {@code id} (int64), {@code prediction} (int32 class, the arg-max of the scores),
 * {@code probabilities} (fixed-size list of float32, one per class, as given), and
 * {@code label} (int32, null where unknown). Metrics go into the file's footer metadata under
 * {@code solstice.metric.<name>}, read back with {@link #readMetrics(Path, BufferAllocator)}.
 *
 * <p>The file is written under a temporary name and renamed into place on {@link #close()}, so
 * a reader never sees half a file. Not thread-safe: write from one thread.
 */
public final class PredictionSink implements AutoCloseable {
  /** The footer metadata key prefix of metrics. */
  public static final String METRIC_PREFIX = "solstice.metric.";

  private final Path target;
  private final Path temporary;
  private final int numClasses;
  private final VectorSchemaRoot root;
  private final FileChannel channel;
  private final ArrowFileWriter writer;
  private final Map<String, String> footer = new LinkedHashMap<>();
  private long rowsWritten;
  private boolean closed;

  private PredictionSink(Path target, BufferAllocator allocator, int numClasses) throws IOException {
    this.target = target;
    this.temporary = target.resolveSibling(target.getFileName() + ".tmp");
    this.numClasses = numClasses;
    this.root = VectorSchemaRoot.create(schema(numClasses), allocator);
    this.channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
    // The writer keeps this map and writes it into the footer at the end, so metrics put in
    // later still reach the file.
    this.writer = new ArrowFileWriter(root, null, channel, footer);
    writer.start();
  }

  /**
   * Opens a sink for a classifier's predictions.
   *
   * @param file the IPC file to create (replaced on close if it exists)
   * @param allocator the allocator for the sink's write buffers
   * @param numClasses the width of the probabilities column
   * @return the open sink
   */
  public static PredictionSink open(Path file, BufferAllocator allocator, int numClasses) {
    Objects.requireNonNull(file, "file");
    if (numClasses < 1) {
      throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
    }
    try {
      return new PredictionSink(file, allocator, numClasses);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + file, e);
    }
  }

  /**
   * The schema of the prediction file.
   *
   * @param numClasses the number of classes
   * @return the schema
   */
  public static Schema schema(int numClasses) {
    Field probability = new Field("item", FieldType.notNullable(
        new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null);
    return new Schema(List.of(
        Field.notNullable("id", new ArrowType.Int(64, true)),
        Field.notNullable("prediction", new ArrowType.Int(32, true)),
        new Field("probabilities", FieldType.notNullable(new ArrowType.FixedSizeList(numClasses)), List.of(probability)),
        Field.nullable("label", new ArrowType.Int(32, true))));
  }

  /**
   * Appends one batch of predictions as one record batch.
   *
   * @param ids the row ids, one per row
   * @param scores the class scores or probabilities, [rows, numClasses]; written as float32
   * @param labels the true class indices [rows], or null if unknown
   */
  public void write(long[] ids, INDArray scores, INDArray labels) {
    checkOpen();
    int rows = ids.length;
    if (scores.rank() != 2 || scores.size(0) != rows || scores.size(1) != numClasses) {
      throw new IllegalArgumentException("scores must be [" + rows + ", " + numClasses + "] but are "
          + java.util.Arrays.toString(scores.shape()));
    }
    if (labels != null && labels.length() != rows) {
      throw new IllegalArgumentException("labels must have " + rows + " values but have " + labels.length());
    }
    root.allocateNew();
    BigIntVector id = (BigIntVector) root.getVector("id");
    IntVector prediction = (IntVector) root.getVector("prediction");
    FixedSizeListVector probabilities = (FixedSizeListVector) root.getVector("probabilities");
    Float4Vector values = (Float4Vector) probabilities.getDataVector();
    IntVector label = (IntVector) root.getVector("label");
    INDArray floats = scores.castTo(DataType.FLOAT).dup('c');
    int[] argMax = rows == 0 ? new int[0] : scores.argMax(1).toIntVector();
    long[] truth = labels == null ? null : labels.toLongVector();
    values.allocateNew(rows * numClasses);
    ByteBuffer bytes = floats.data().asNio().order(ByteOrder.nativeOrder());
    bytes.limit(rows * numClasses * Float.BYTES);
    values.getDataBuffer().setBytes(0, bytes);
    for (int r = 0; r < rows; r++) {
      id.setSafe(r, ids[r]);
      prediction.setSafe(r, argMax[r]);
      probabilities.setNotNull(r);
      for (int c = 0; c < numClasses; c++) {
        values.setIndexDefined(r * numClasses + c);
      }
      if (truth == null) {
        label.setNull(r);
      } else {
        label.setSafe(r, (int) truth[r]);
      }
    }
    values.setValueCount(rows * numClasses);
    root.setRowCount(rows);
    floats.close();
    try {
      writer.writeBatch();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write predictions to " + temporary, e);
    }
    rowsWritten += rows;
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

  /** Writes the footer, closes the file and moves it into place. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      writer.end();
      writer.close();
      Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot finish " + target, e);
    } finally {
      root.close();
      try {
        channel.close();
      } catch (IOException ignored) {
        // already closed by the writer
      }
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the prediction sink for " + target + " is closed");
    }
  }
}
