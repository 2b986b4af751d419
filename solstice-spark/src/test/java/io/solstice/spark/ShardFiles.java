package io.solstice.spark;

import io.solstice.arrow.FeatureSpec;
import io.solstice.core.data.DigitsDataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Writes rows of a data set as Arrow IPC shard files: "x" FixedSizeList<Float32>, "y" INT64. */
final class ShardFiles {
  private ShardFiles() {}

  /** The spec that reads these files (serializable: a static method reference). */
  static FeatureSpec digitsSpec() {
    return FeatureSpec.builder().features("x").label("y").numClasses(DigitsDataset.CLASSES).build();
  }

  /**
   * Writes rows {@code [from, to)} of features/labels to one IPC file, {@code rowsPerBatch}
   * rows per record batch (an empty range gives a file with no batch).
   */
  static Path write(Path file, INDArray features, INDArray labels, int from, int to,
      int rowsPerBatch) {
    int width = (int) features.size(1);
    float[][] rowsX = from < to
        ? features.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).toFloatMatrix()
        : new float[0][];
    long[] rowsY = from < to ? labels.get(NDArrayIndex.interval(from, to)).toLongVector() : new long[0];
    Schema schema = new Schema(List.of(
        new Field("x", FieldType.notNullable(new ArrowType.FixedSizeList(width)),
            List.of(new Field("item", FieldType.notNullable(
                new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null))),
        new Field("y", FieldType.notNullable(new ArrowType.Int(64, true)), null)));
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
      writer.start();
      for (int start = from; start < to; start += rowsPerBatch) {
        int rows = Math.min(rowsPerBatch, to - start);
        root.allocateNew();
        FixedSizeListVector x = (FixedSizeListVector) root.getVector("x");
        Float4Vector values = (Float4Vector) x.getDataVector();
        BigIntVector labelVector = (BigIntVector) root.getVector("y");
        for (int r = 0; r < rows; r++) {
          x.setNotNull(r);
          for (int c = 0; c < width; c++) {
            values.setSafe(r * width + c, rowsX[start - from + r][c]);
          }
          labelVector.setSafe(r, rowsY[start - from + r]);
        }
        values.setValueCount(rows * width);
        x.setValueCount(rows);
        labelVector.setValueCount(rows);
        root.setRowCount(rows);
        writer.writeBatch();
      }
      writer.end();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** Splits rows {@code [0, rowsPerShard * shards)} into consecutive equal shard files. */
  static List<String> equalShards(Path dir, INDArray features, INDArray labels, int shards,
      int rowsPerShard, int rowsPerBatch) {
    List<String> paths = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      Path file = dir.resolve("shard-" + s + ".arrow");
      write(file, features, labels, s * rowsPerShard, (s + 1) * rowsPerShard, rowsPerBatch);
      paths.add(file.toString());
    }
    return paths;
  }
}
