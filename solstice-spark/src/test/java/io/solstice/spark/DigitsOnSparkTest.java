package io.solstice.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.TensorBatch;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
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
  void reachesNinetyFivePercentTestAccuracyOnTwoLocalWorkers() {
    TrainingShards train = rowsOf(split.train(), 2);
    TrainingShards test = rowsOf(split.test(), 2);
    SparkTrainer<MlpClassifier, ClassificationMetrics> trainer =
        SparkTrainer.builder(spark.context(), DigitsOnSparkTest::model,
                MetricsCodec.classification())
            .rounds(20)
            .stepsPerRound(10)
            .validation(test, 10)
            .build();
    assertThat(train.numPartitions()).isEqualTo(2);

    MlpClassifier trained = trainer.fit(model(), train, List.of());
    ClassificationMetrics onCluster = trainer.evaluate(trained, test);
    ClassificationMetrics onDriver = trained.evalStep(split.test().asBatch()).outputs();

    assertThat(onCluster.compute().get("accuracy")).isGreaterThanOrEqualTo(0.95);
    assertThat(onCluster.count()).isEqualTo(split.test().size());
    // Evaluating partition by partition and merging equals evaluating everything at once.
    assertThat(onCluster.confusionMatrix()).isEqualTo(onDriver.confusionMatrix());
    assertThat(trainer.history()).hasSize(20)
        .allSatisfy(round -> assertThat(round.contributingPartitions()).isEqualTo(2));
  }

  @Test
  void perWorkerOptimizerStateAlsoLearns() {
    SparkTrainer<MlpClassifier, ClassificationMetrics> trainer =
        SparkTrainer.builder(spark.context(), DigitsOnSparkTest::model,
                MetricsCodec.classification())
            .rounds(10)
            .stepsPerRound(5)
            .optimizerState(OptimizerStateMode.PER_WORKER)
            .build();

    MlpClassifier trained = trainer.fit(model(), rowsOf(split.train(), 2), List.of());

    double accuracy =
        trained.evalStep(split.test().asBatch()).outputs().compute().get("accuracy");
    assertThat(accuracy).isGreaterThan(0.85);
  }

  /** The data set as a data frame with columns p0..p63 (float) and digit (int). */
  private static TrainingShards rowsOf(DigitsDataset data, int partitions) {
    TensorBatch batch = data.asBatch();
    INDArray x = batch.features();
    INDArray y = batch.labels();
    List<StructField> fields = new ArrayList<>();
    List<String> featureColumns = new ArrayList<>();
    for (int c = 0; c < DigitsDataset.FEATURES; c++) {
      featureColumns.add("p" + c);
      fields.add(DataTypes.createStructField("p" + c, DataTypes.FloatType, false));
    }
    fields.add(DataTypes.createStructField("digit", DataTypes.IntegerType, false));
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < data.size(); r++) {
      Object[] values = new Object[DigitsDataset.FEATURES + 1];
      for (int c = 0; c < DigitsDataset.FEATURES; c++) {
        values[c] = x.getFloat(r, c);
      }
      values[DigitsDataset.FEATURES] = (int) y.getLong(r);
      rows.add(RowFactory.create(values));
    }
    Dataset<Row> frame = spark.session()
        .createDataFrame(rows, new StructType(fields.toArray(StructField[]::new)))
        .repartition(partitions);
    return TrainingShards.rows(frame, featureColumns, "digit", DigitsDataset.CLASSES, 32);
  }
}
