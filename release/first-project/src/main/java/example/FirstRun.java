package example;

import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.FeatureSpec;
import io.solstice.core.TensorBatch;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.callbacks.EarlyStopping;
import io.solstice.reactive.callbacks.LoggingCallback;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The README's example in a project of its own, built only from the published artifacts: it
 * writes the bundled digits as Arrow IPC files with plain Arrow, then runs the README's lines
 * (between the markers; release/check.sh checks they are the README's).
 */
public final class FirstRun {

  public static void main(String[] args) throws IOException {
    Path dir = Files.createTempDirectory("solstice-first-run");
    Path trainFile = dir.resolve("train.arrow");
    Path valFile = dir.resolve("val.arrow");
    Path testFile = dir.resolve("test.arrow");
    try {
      DigitsDataset.Split split = DigitsDataset.bundled().split(0.2, 42);
      DigitsDataset.Split trainVal = split.train().split(0.1, 42);
      write(trainVal.train(), trainFile);
      write(trainVal.test(), valFile);
      write(split.test(), testFile);
      ClassificationMetrics test = trainAndTest(trainFile, valFile, testFile);
      System.out.printf("test accuracy %.4f%n", test.compute().get("accuracy"));
    } finally {
      for (Path file : List.of(trainFile, valFile, testFile)) {
        Files.deleteIfExists(file);
      }
      Files.delete(dir);
    }
  }

  static ClassificationMetrics trainAndTest(Path trainFile, Path valFile, Path testFile) {
    // README:start
    try (BufferAllocator allocator = new RootAllocator()) {
      // A FixedSizeList<Float32> column becomes the feature matrix without a copy (host memory).
      FeatureSpec spec = FeatureSpec.builder().features("features").label("label").numClasses(10).build();

      MlpClassifier model = MlpClassifier.builder()
          .inputs(64).hidden(128).classes(10).updater(new Adam(3e-3)).seed(42).build();

      // A run is a value. Sources are cold: every epoch reads the file again, a few batches
      // ahead of the step.
      MlpClassifier trained = Solstice.run(model)
          .train(ArrowSources.ipcFile(trainFile, allocator).map(spec::toTensors))
          .validate(ArrowSources.ipcFile(valFile, allocator).map(spec::toTensors))
          .epochs(30)
          .subscribers(LoggingCallback.atEpochEnd().build(),
              EarlyStopping.monitor("loss").patience(3).build())
          .block();

      // A test run's metrics are the engine's reduce over its steps.
      return Solstice.run(trained)
          .test(ArrowSources.ipcFile(testFile, allocator).map(spec::toTensors))
          .metrics()
          .block();
    } // every batch and reader is released when a run ends: closing the allocator finds no leak
    // README:end
  }

  /** Record batches of 64 rows: a FixedSizeList<Float32> features column and an Int32 label. */
  private static void write(DigitsDataset rows, Path file) throws IOException {
    float[][] features;
    try (TensorBatch batch = rows.asBatch()) {
      features = batch.features().toFloatMatrix();
    }
    int width = DigitsDataset.FEATURES;
    Field item = new Field("item", FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null);
    Schema schema = new Schema(List.of(
        new Field("features", FieldType.notNullable(new ArrowType.FixedSizeList(width)), List.of(item)),
        new Field("label", FieldType.notNullable(new ArrowType.Int(32, true)), null)));
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
      writer.start();
      for (int start = 0; start < rows.size(); start += 64) {
        int count = Math.min(64, rows.size() - start);
        root.allocateNew();
        FixedSizeListVector list = (FixedSizeListVector) root.getVector("features");
        Float4Vector values = (Float4Vector) list.getDataVector();
        IntVector labels = (IntVector) root.getVector("label");
        for (int row = 0; row < count; row++) {
          list.setNotNull(row);
          for (int i = 0; i < width; i++) {
            values.setSafe(row * width + i, features[start + row][i]);
          }
          labels.setSafe(row, rows.label(start + row));
        }
        values.setValueCount(count * width);
        root.setRowCount(count);
        writer.writeBatch();
      }
      writer.end();
    }
  }
}
