package io.solstice.examples.data;

import io.solstice.arrow.LabeledSchema;
import io.solstice.core.TensorBatch;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Writes a labelled in-memory data set as an Arrow IPC file with two columns: {@code features},
 * a {@code FixedSizeList<Float32>} (which the Arrow data plane maps to a feature matrix without
 * copying), and {@code label}, an Int32 class index.
 */
public final class LabeledArrowFile {

  /** The feature column. */
  public static final String FEATURES = LabeledSchema.FEATURES;

  /** The label column. */
  public static final String LABEL = LabeledSchema.LABEL;

  private LabeledArrowFile() {}

  /**
   * The schema of the files this class writes.
   *
   * @param width the number of features per row
   * @return features and label
   */
  public static Schema schema(int width) {
    return LabeledSchema.of(width);
  }

  /**
   * Writes the rows of {@code data} to {@code file} in record batches of {@code batchSize} rows,
   * whole or not at all.
   *
   * @param data features [rows, width] and class labels [rows]
   * @param file the target, replaced if present
   * @param batchSize rows per record batch
   * @param allocator where the write buffers come from; nothing stays allocated afterwards
   * @param output how the file is written (for example {@link OutputFiles#LOCAL})
   * @throws IOException when the file cannot be written (it is then left as it was)
   */
  public static void write(TensorBatch data, Path file, int batchSize, BufferAllocator allocator, OutputFiles output)
      throws IOException {
    float[][] features = data.features().toFloatMatrix();
    int[] labels = data.labels().toIntVector();
    int width = features.length == 0 ? 0 : features[0].length;
    output.write(file, channel -> {
      try (VectorSchemaRoot root = VectorSchemaRoot.create(schema(width), allocator);
          ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
        writer.start();
        for (int start = 0; start < features.length; start += batchSize) {
          int end = Math.min(features.length, start + batchSize);
          fill(root, features, labels, start, end, width);
          writer.writeBatch();
        }
        writer.end();
      }
    });
  }

  private static void fill(
      VectorSchemaRoot root, float[][] features, int[] labels, int start, int end, int width) {
    root.allocateNew();
    FixedSizeListVector list = (FixedSizeListVector) root.getVector(FEATURES);
    Float4Vector values = (Float4Vector) list.getDataVector();
    IntVector labelVector = (IntVector) root.getVector(LABEL);
    for (int row = start; row < end; row++) {
      int at = row - start;
      list.setNotNull(at);
      for (int i = 0; i < width; i++) {
        values.setSafe(at * width + i, features[row][i]);
      }
      labelVector.setSafe(at, labels[row]);
    }
    values.setValueCount((end - start) * width);
    root.setRowCount(end - start);
  }
}
