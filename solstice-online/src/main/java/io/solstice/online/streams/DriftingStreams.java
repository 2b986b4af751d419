package io.solstice.online.streams;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.LabeledSchema;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.pojo.Schema;
import reactor.core.publisher.Flux;

/**
 * The entry point for synthetic drifting streams as Arrow sources: the standard benchmark streams
 * of the online-learning literature ({@link SeaGenerator}, {@link AgrawalGenerator},
 * {@link HyperplaneGenerator}, {@link RandomRbfGenerator}), with drifts placed by
 * {@link ConceptDrift}.
 *
 * <p>Batches have two columns: {@value #FEATURES}, a {@code FixedSizeList<Float32>} (a row-major
 * feature matrix for the data plane, without copying), and {@value #LABEL}, an Int32 class.
 *
 * <pre>{@code
 * Flux<ArrowBatch> sea = DriftingStreams.arrow(
 *     () -> new ConceptDrift(SeaGenerator.of(1, 7), SeaGenerator.of(3, 8), 25_000, 1, 9),
 *     1_024, allocator).take(100);
 * }</pre>
 */
public final class DriftingStreams {

  /** The feature column. */
  public static final String FEATURES = LabeledSchema.FEATURES;

  /** The label column. */
  public static final String LABEL = LabeledSchema.LABEL;

  private DriftingStreams() {}

  /**
   * The schema of the batches.
   *
   * @param width features per row
   * @return features and label
   */
  public static Schema schema(int width) {
    return LabeledSchema.of(width);
  }

  /**
   * An endless, cold, demand-driven source: each subscription builds a fresh generator (so the
   * same seeds give the same batches again) and produces one batch per request on the requesting
   * thread. Bound it with {@code take}. The subscriber owns every batch and closes it.
   *
   * @param generator builds the stream's generator, once per subscription
   * @param rowsPerBatch rows per batch, at least 1
   * @param allocator where batches are allocated
   * @return the batches; batch {@code i} holds rows {@code i * rowsPerBatch} onwards, and its
   *     position names the source {@code "drifting"} and batch index {@code i}
   */
  public static Flux<ArrowBatch> arrow(
      Supplier<? extends RowGenerator> generator, int rowsPerBatch, BufferAllocator allocator) {
    Objects.requireNonNull(generator, "generator");
    Objects.requireNonNull(allocator, "allocator");
    if (rowsPerBatch < 1) {
      throw new IllegalArgumentException("rowsPerBatch must be >= 1, was " + rowsPerBatch);
    }
    return Flux.generate(
        () -> new Cursor(generator.get()),
        (cursor, sink) -> {
          sink.next(cursor.nextBatch(rowsPerBatch, allocator));
          return cursor;
        });
  }

  /** One subscription's generator and batch counter. */
  private static final class Cursor {
    private final RowGenerator generator;
    private final double[] row;
    private long batch;

    Cursor(RowGenerator generator) {
      this.generator = Objects.requireNonNull(generator, "the supplier returned null");
      this.row = new double[generator.features()];
    }

    ArrowBatch nextBatch(int rows, BufferAllocator allocator) {
      int width = row.length;
      VectorSchemaRoot root = VectorSchemaRoot.create(schema(width), allocator);
      try {
        FixedSizeListVector list = (FixedSizeListVector) root.getVector(FEATURES);
        Float4Vector values = (Float4Vector) list.getDataVector();
        IntVector labels = (IntVector) root.getVector(LABEL);
        list.setInitialCapacity(rows);
        labels.setInitialCapacity(rows);
        root.allocateNew();
        for (int r = 0; r < rows; r++) {
          int label = generator.next(row);
          list.setNotNull(r);
          for (int i = 0; i < width; i++) {
            values.setSafe(r * width + i, (float) row[i]);
          }
          labels.setSafe(r, label);
        }
        values.setValueCount(rows * width);
        root.setRowCount(rows);
        return new ArrowBatch(root, Map.of(), new BatchPosition("drifting", 0, batch++), null);
      } catch (RuntimeException e) {
        root.close();
        throw e;
      }
    }
  }
}
