package io.solstice.spark;

import io.solstice.arrow.FeatureSpec;
import io.solstice.spark.internal.FileShardOpener;
import io.solstice.spark.internal.RowShardOpener;
import io.solstice.spark.internal.ShardOpener;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * The training data as Spark partitions, each read on its executor as Arrow batches and turned
 * into tensors by a {@link FeatureSpec}: one partition per file ({@link #files}), or the
 * partitions of a {@code Dataset<Row>} converted to Arrow ({@link #rows}).
 *
 * <p>Partition {@code i} is worker {@code i} of the {@link SparkTrainer}: its data, position
 * and (optionally) optimizer state belong to that index in every round. Partitions may be of
 * any size, including empty.
 *
 * <p>Thread safety: immutable once built and safe to share on the driver; Spark ships each task
 * its own copy.
 */
public final class TrainingShards {

  private final JavaRDD<Object> partitions;
  private final ShardOpener<Object> opener;
  private final SerializableSupplier<FeatureSpec> spec;

  @SuppressWarnings("unchecked")
  private <T> TrainingShards(
      JavaRDD<T> partitions, ShardOpener<T> opener, SerializableSupplier<FeatureSpec> spec) {
    this.partitions = (JavaRDD<Object>) partitions;
    this.opener = (ShardOpener<Object>) opener;
    this.spec = spec;
  }

  /**
   * One partition per file. Files ending in {@code .parquet} are read as Parquet, every other
   * file as an Arrow IPC file. Every executor must see the paths (a shared file system, or
   * the same local paths in {@code local} mode).
   *
   * @param spark the Spark context
   * @param paths the files, one partition each, in order
   * @param spec builds the feature spec on the executors (for example
   *     {@code () -> FeatureSpec.builder().features("x").label("y").numClasses(10).build()})
   * @param batchSize rows per batch, or 0 for the record batches as stored
   * @return the shards
   */
  public static TrainingShards files(
      JavaSparkContext spark, List<String> paths, SerializableSupplier<FeatureSpec> spec,
      int batchSize) {
    Objects.requireNonNull(spark, "spark");
    Objects.requireNonNull(spec, "spec");
    if (paths.isEmpty()) {
      throw new IllegalArgumentException("no files given; pass at least one shard");
    }
    checkBatchSize(batchSize, 0);
    JavaRDD<String> rdd = spark.parallelize(List.copyOf(paths), paths.size());
    return new TrainingShards(rdd, new FileShardOpener(batchSize), spec);
  }

  /**
   * The partitions of a data frame: numeric feature columns (read as FLOAT32) and an integer
   * class-label column. The rows are cached (memory and disk) so that every round reads the
   * same partitions; repartition the data frame first to choose the number of workers.
   *
   * @param rows the data
   * @param featureColumns the feature columns, in order
   * @param labelColumn the label column, class indices in {@code [0, numClasses)}
   * @param numClasses the number of classes
   * @param batchSize rows per batch, at least 1
   * @return the shards
   */
  public static TrainingShards rows(
      Dataset<Row> rows, List<String> featureColumns, String labelColumn, int numClasses,
      int batchSize) {
    Objects.requireNonNull(rows, "rows");
    Objects.requireNonNull(labelColumn, "labelColumn");
    if (featureColumns.isEmpty()) {
      throw new IllegalArgumentException("name at least one feature column");
    }
    checkBatchSize(batchSize, 1);
    List<String> features = List.copyOf(featureColumns);
    int classes = numClasses;
    String[] featureArray = features.toArray(String[]::new);
    SerializableSupplier<FeatureSpec> spec = () -> FeatureSpec.builder()
        .features(featureArray)
        .label(RowShardOpener.LABEL)
        .numClasses(classes)
        .build();
    JavaRDD<Row> rdd = rows.toJavaRDD().persist(StorageLevel.MEMORY_AND_DISK());
    return new TrainingShards(rdd, new RowShardOpener(features, labelColumn, batchSize), spec);
  }

  /**
   * The number of partitions (workers).
   *
   * @return the partition count
   */
  public int numPartitions() {
    return partitions.getNumPartitions();
  }

  JavaRDD<Object> partitions() {
    return partitions;
  }

  ShardOpener<Object> opener() {
    return opener;
  }

  SerializableSupplier<FeatureSpec> spec() {
    return spec;
  }

  /** Drops the cached rows of {@link #rows} shards (a micro-batch's, once it is trained). */
  void release() {
    partitions.unpersist(false);
  }

  private static void checkBatchSize(int batchSize, int min) {
    if (batchSize < min) {
      throw new IllegalArgumentException("batchSize must be at least " + min + ", got " + batchSize);
    }
  }
}
