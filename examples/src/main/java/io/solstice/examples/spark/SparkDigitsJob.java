package io.solstice.examples.spark;

import io.solstice.arrow.FeatureSpec;
import io.solstice.core.TensorBatch;
import io.solstice.core.checkpoint.Resumed;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.examples.data.LabeledArrowFile;
import io.solstice.examples.data.OutputFiles;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.callbacks.CheckpointCallback;
import io.solstice.spark.MetricsCodec;
import io.solstice.spark.SerializableSupplier;
import io.solstice.spark.SparkTrainer;
import io.solstice.spark.TrainingShards;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/** The Spark side of {@link SparkDigitsCommand}: only loaded when Spark is on the classpath. */
final class SparkDigitsJob {
  private SparkDigitsJob() {}

  static int run(SparkDigitsCommand options, PrintWriter out) throws IOException {
    if (options.workDir != null) {
      return run(options, out, Files.createDirectories(options.workDir));
    }
    // Shards no one asked to keep go once Spark has stopped.
    Path temporary = Files.createTempDirectory("solstice-spark-digits");
    try {
      return run(options, out, temporary);
    } finally {
      try (Stream<Path> files = Files.walk(temporary)) {
        files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
      }
    }
  }

  private static int run(SparkDigitsCommand options, PrintWriter out, Path dir) throws IOException {
    DigitsDataset.Split split = DigitsDataset.bundled().split(0.2, 42);
    int batchSize = options.steps.batchSize(split.train().size());
    List<String> trainFiles = writeShards(split.train().asBatch(), dir, "train", options.partitions, batchSize);
    List<String> testFiles = writeShards(split.test().asBatch(), dir, "test", options.partitions, batchSize);

    SparkSession session = SparkLaunch.start("solstice-spark-digits", options.master,
        options.spec.commandLine().getErr());
    try {
      JavaSparkContext spark = JavaSparkContext.fromSparkContext(session.sparkContext());
      double learningRate = options.steps.learningRate();
      SerializableSupplier<MlpClassifier> factory = () -> model(learningRate);
      SparkTrainer<MlpClassifier, ClassificationMetrics> trainer =
          SparkTrainer.builder(spark, factory, MetricsCodec.classification())
              .rounds(options.rounds)
              .stepsPerRound(options.stepsPerRound)
              .executorWait(Duration.ofSeconds(options.executorWaitSeconds))
              .build();
      TrainingShards train = TrainingShards.files(spark, trainFiles, SparkDigitsJob::spec, 0);
      TrainingShards test = TrainingShards.files(spark, testFiles, SparkDigitsJob::spec, 0);

      RoundPrinter printer = new RoundPrinter(out);
      MlpClassifier start = model(learningRate);
      MlpClassifier trained;
      if (options.checkpoints != null) {
        CheckpointCallback checkpoints = CheckpointCallback.builder(options.checkpoints)
            .everyEpochs(1)
            .sourcePosition(trainer.sourcePosition())
            .build();
        Resumed<MlpClassifier> resumed = checkpoints.resume(start);
        out.printf(Locale.ROOT, "starting at round %d%n", resumed.position().epoch());
        trained = trainer.fit(resumed, train, printer, checkpoints);
      } else {
        trained = trainer.fit(start, train, printer);
      }
      ClassificationMetrics metrics = trainer.evaluate(trained, test);
      Map<String, Double> values = metrics.compute();
      out.printf(Locale.ROOT, "test accuracy %.4f, loss %.4f on %d examples (%d partitions)%n",
          values.get("accuracy"), values.get("loss"), metrics.count(), options.partitions);
      out.flush();
      return 0;
    } finally {
      session.stop();
    }
  }

  static MlpClassifier model(double learningRate) {
    return MlpClassifier.builder().inputs(DigitsDataset.FEATURES).hidden(64)
        .classes(DigitsDataset.CLASSES).updater(new Adam(learningRate)).seed(42).build();
  }

  static FeatureSpec spec() {
    return FeatureSpec.builder()
        .features(LabeledArrowFile.FEATURES)
        .label(LabeledArrowFile.LABEL)
        .numClasses(DigitsDataset.CLASSES)
        .build();
  }

  /** Writes consecutive, nearly equal row ranges to one Arrow IPC file per partition. */
  private static List<String> writeShards(
      TensorBatch data, Path dir, String name, int partitions, int batchSize) throws IOException {
    long rows = data.rows();
    List<String> files = new ArrayList<>();
    try (BufferAllocator allocator = new RootAllocator()) {
      for (int p = 0; p < partitions; p++) {
        long from = rows * p / partitions;
        long to = rows * (p + 1) / partitions;
        INDArray x = data.features().get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
        INDArray y = data.labels().get(NDArrayIndex.interval(from, to));
        Path file = dir.resolve(name + "-" + p + ".arrow");
        LabeledArrowFile.write(TensorBatch.of(x, y), file, batchSize, allocator, OutputFiles.LOCAL);
        files.add(file.toAbsolutePath().toString());
      }
    }
    return files;
  }

  /** Prints each round's train metrics, as merged across partitions and carried by EpochEnded. */
  private static final class RoundPrinter
      implements TrainingSubscriber<Object, ClassificationMetrics> {
    private final PrintWriter out;

    RoundPrinter(PrintWriter out) {
      this.out = out;
    }

    @Override
    public void onEvent(TrainingEvent<Object, ClassificationMetrics> event) {
      if (event instanceof TrainingEvent.EpochEnded<Object, ClassificationMetrics> round
          && round.metrics() != null) {
        Map<String, Double> values = round.values();
        out.printf(Locale.ROOT, "round %d %s: loss %.4f, accuracy %.4f (%d examples)%n",
            round.epoch(), round.mode().label(), values.get("loss"), values.get("accuracy"),
            round.metrics().count());
        out.flush();
      }
    }
  }
}
