package io.solstice.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.arrow.FeatureSpec;
import io.solstice.core.TensorBatch;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

/** The digits classifier trained on a Spark data frame across two local workers. */
class DigitsOnSparkTest {

  private static LocalSpark spark;
  private static DigitsDataset.Split split;

  @BeforeAll
  static void start() {
    spark = LocalSpark.start("local[2]");
    split = DigitsDataset.bundled().split(0.2, 42);
  }

  @AfterAll
  static void stop() {
    spark.close();
  }

  static MlpClassifier model() {
    return MlpClassifier.builder().inputs(64).hidden(64).classes(10)
        .updater(new Adam(1e-2)).seed(42).build();
  }

  @Test
  void reachesNinetyFivePercentTestAccuracyOnTwoLocalWorkers(@TempDir Path dir) {
    TrainingShards train = filesOf(split.train(), dir, "train");
    TrainingShards test = filesOf(split.test(), dir, "test");
    SparkTrainer<MlpClassifier, ClassificationMetrics> trainer =
        SparkTrainer.builder(spark.context(), DigitsOnSparkTest::model,
                MetricsCodec.classification())
            // 30 rounds: after 20, test accuracy straddled 0.95 with the initial draw (seeds 40
            // to 49: 0.939 to 0.955; 0.942 to 0.958 with the earlier ND4J-drawn weights);
            // after 30 every one of those seeds gives 0.958 to 0.967.
            .rounds(30)
            .stepsPerRound(10)
            .validation(test, 10)
            .build();

    MlpClassifier trained = trainer.fit(model(), train);
    ClassificationMetrics onCluster = trainer.evaluate(trained, test);
    ClassificationMetrics onDriver = trained.evalStep(split.test().asBatch()).outputs();

    assertThat(onCluster.compute().get("accuracy")).isGreaterThanOrEqualTo(0.95);
    assertThat(onCluster.count()).isEqualTo(split.test().size());
    // Evaluating partition by partition and merging equals evaluating everything at once.
    assertThat(onCluster.confusionMatrix()).isEqualTo(onDriver.confusionMatrix());
    assertThat(trainer.history()).hasSize(30)
        .allSatisfy(round -> assertThat(round.contributingPartitions()).isEqualTo(2));
  }

  @Test
  void learnsFromADataFrameConvertedToArrowPerPartition() {
    SparkTrainer<MlpClassifier, ClassificationMetrics> trainer =
        SparkTrainer.builder(spark.context(), DigitsOnSparkTest::model,
                MetricsCodec.classification())
            .rounds(10)
            .stepsPerRound(10)
            .build();
    TrainingShards rows = rowsOf(split.train(), 2);
    assertThat(rows.numPartitions()).isEqualTo(2);

    MlpClassifier trained = trainer.fit(model(), rows);

    double accuracy =
        trained.evalStep(split.test().asBatch()).outputs().compute().get("accuracy");
    assertThat(accuracy).isGreaterThan(0.9);
    assertThat(trainer.history()).allSatisfy(round -> {
      assertThat(round.contributingPartitions()).isEqualTo(2);
      // K batches of up to 32 rows per partition (a partition's last batch is shorter).
      assertThat(round.examples()).isBetween(2L * 10 * 32 - 2 * 31, 2L * 10 * 32);
    });
  }

  @Test
  void aFractionalLabelIsRefusedRatherThanTruncatedIntoAClass() {
    SparkTrainer<MlpClassifier, ClassificationMetrics> trainer =
        SparkTrainer.builder(spark.context(), DigitsOnSparkTest::model, MetricsCodec.classification())
            .rounds(1).stepsPerRound(1).build();
    // As a JSON source gives them: every number a double, here digit + 0.5.
    Dataset<Row> fractional = rowsFrame(split.train(), 2)
        .withColumn("digit", functions.col("digit").cast("double").plus(0.5));
    TrainingShards rows = TrainingShards.rows(fractional, featureColumns(), "digit", DigitsDataset.CLASSES, 32);

    assertThatThrownBy(() -> trainer.fit(model(), rows))
        .hasStackTraceContaining("label column 'digit' holds ")
        .hasStackTraceContaining(".5; Spark training needs a non-null integer label column");
  }

  @Test
  void trainsOnParquetFilesOnePartitionEach(@TempDir Path dir) throws Exception {
    String out = dir.resolve("digits-parquet").toString();
    rowsFrame(split.train(), 2).write().parquet(out);
    List<String> files;
    try (Stream<Path> listing = Files.list(Path.of(out))) {
      files = listing.map(Path::toString).filter(name -> name.endsWith(".parquet")).sorted()
          .toList();
    }
    String[] columns = featureColumns().toArray(String[]::new);
    SerializableSupplier<FeatureSpec> spec = () -> FeatureSpec.builder()
        .features(columns).label("digit").numClasses(DigitsDataset.CLASSES).build();
    SparkTrainer<MlpClassifier, ClassificationMetrics> trainer =
        SparkTrainer.builder(spark.context(), DigitsOnSparkTest::model,
                MetricsCodec.classification())
            .rounds(4)
            .stepsPerRound(5)
            .build();

    MlpClassifier trained =
        trainer.fit(model(), TrainingShards.files(spark.context(), files, spec, 32));

    assertThat(files).hasSize(2);
    assertThat(trainer.history()).allSatisfy(round -> {
      assertThat(round.contributingPartitions()).isEqualTo(2);
      assertThat(round.examples()).isEqualTo(2 * 5 * 32);
    });
    assertThat(trained.state()).isNotEqualTo(model().state());
    double accuracy =
        trained.evalStep(split.test().asBatch()).outputs().compute().get("accuracy");
    assertThat(accuracy).isGreaterThan(0.5);
  }

  @Test
  void perWorkerOptimizerStateAlsoLearns(@TempDir Path dir) {
    SparkTrainer<MlpClassifier, ClassificationMetrics> trainer =
        SparkTrainer.builder(spark.context(), DigitsOnSparkTest::model,
                MetricsCodec.classification())
            .rounds(10)
            .stepsPerRound(5)
            .optimizerState(OptimizerStateMode.PER_WORKER)
            .build();

    MlpClassifier trained = trainer.fit(model(), filesOf(split.train(), dir, "pw"));

    double accuracy =
        trained.evalStep(split.test().asBatch()).outputs().compute().get("accuracy");
    assertThat(accuracy).isGreaterThan(0.85);
  }

  /** The data set as two Arrow IPC shard files of 32-row batches. */
  private static TrainingShards filesOf(DigitsDataset data, Path dir, String name) {
    TensorBatch batch = data.asBatch();
    int half = data.size() / 2;
    List<String> paths = List.of(
        ShardFiles.write(dir.resolve(name + "-0.arrow"), batch.features(), batch.labels(), 0,
            half, 32).toString(),
        ShardFiles.write(dir.resolve(name + "-1.arrow"), batch.features(), batch.labels(), half,
            data.size(), 32).toString());
    return TrainingShards.files(spark.context(), paths, ShardFiles::digitsSpec, 0);
  }

  /** The data set as a data frame with columns p0..p63 (float) and digit (int). */
  private static TrainingShards rowsOf(DigitsDataset data, int partitions) {
    return TrainingShards.rows(rowsFrame(data, partitions), featureColumns(), "digit",
        DigitsDataset.CLASSES, 32);
  }

  private static List<String> featureColumns() {
    List<String> columns = new ArrayList<>();
    for (int c = 0; c < DigitsDataset.FEATURES; c++) {
      columns.add("p" + c);
    }
    return columns;
  }

  private static Dataset<Row> rowsFrame(DigitsDataset data, int partitions) {
    TensorBatch batch = data.asBatch();
    float[][] x = batch.features().toFloatMatrix();
    long[] y = batch.labels().toLongVector();
    List<StructField> fields = new ArrayList<>();
    for (int c = 0; c < DigitsDataset.FEATURES; c++) {
      fields.add(DataTypes.createStructField("p" + c, DataTypes.FloatType, false));
    }
    fields.add(DataTypes.createStructField("digit", DataTypes.IntegerType, false));
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < data.size(); r++) {
      Object[] values = new Object[DigitsDataset.FEATURES + 1];
      for (int c = 0; c < DigitsDataset.FEATURES; c++) {
        values[c] = x[r][c];
      }
      values[DigitsDataset.FEATURES] = (int) y[r];
      rows.add(RowFactory.create(values));
    }
    // Partitioned from the start (parallelize), so no shuffle is needed.
    return spark.session().createDataFrame(
        spark.context().parallelize(rows, partitions),
        new StructType(fields.toArray(StructField[]::new)));
  }
}
