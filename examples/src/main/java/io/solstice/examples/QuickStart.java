package io.solstice.examples;

import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.FeatureSpec;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.examples.data.LabeledArrowFile;
import io.solstice.examples.data.OutputFiles;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.callbacks.EarlyStopping;
import io.solstice.reactive.callbacks.LoggingCallback;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The README's code example, compiled and run by the tests so that it cannot rot: a classifier
 * trained on Arrow IPC files through the reactive engine. The lines between the {@code README}
 * markers are the README's snippet, character for character (a test compares them).
 */
public final class QuickStart {

  private QuickStart() {}

  /**
   * Writes the digits data as three Arrow IPC files and trains on them.
   *
   * @param args an optional directory for the files (a temporary one by default)
   * @throws IOException when the files cannot be written
   */
  public static void main(String[] args) throws IOException {
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("solstice-quickstart");
    DigitsDataset.Split split = DigitsDataset.bundled().split(0.2, 42);
    DigitsDataset.Split trainVal = split.train().split(0.1, 42);
    try (BufferAllocator allocator = new RootAllocator()) {
      LabeledArrowFile.write(trainVal.train().asBatch(), dir.resolve("train.arrow"), 64, allocator, OutputFiles.LOCAL);
      LabeledArrowFile.write(trainVal.test().asBatch(), dir.resolve("val.arrow"), 64, allocator, OutputFiles.LOCAL);
      LabeledArrowFile.write(split.test().asBatch(), dir.resolve("test.arrow"), 64, allocator, OutputFiles.LOCAL);
    }
    ClassificationMetrics test =
        trainAndTest(dir.resolve("train.arrow"), dir.resolve("val.arrow"), dir.resolve("test.arrow"));
    System.out.printf("test accuracy %.4f%n", test.compute().get("accuracy"));
  }

  /**
   * The README's example.
   *
   * @param trainFile Arrow IPC file of training rows
   * @param valFile Arrow IPC file of validation rows
   * @param testFile Arrow IPC file of test rows
   * @return the test metrics
   */
  public static ClassificationMetrics trainAndTest(Path trainFile, Path valFile, Path testFile) {
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
}
