package io.solstice.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Kafka topics as the rows a {@link SparkStreamingTrainer} trains on, through Spark's own Kafka
 * source ({@code spark-sql-kafka-0-10}, which the application puts on the classpath, for
 * example with {@code spark-submit --packages}). Offsets live in the query's checkpoint, never
 * in a consumer group. Spark 4.0's Kafka source needs kafka-clients 3.x (its own 3.9 line): it
 * calls admin methods that kafka-clients 4 removed.
 *
 * <p>Each record value is a flat UTF-8 JSON object holding numbers, for example {@code {"x0":
 * 0.25, "x1": 0.5, "label": 1}}; {@link #json} turns it into one {@code DOUBLE} column per named
 * field, plus the record's {@code key} (as a string), {@code partition} and {@code offset}. A
 * record without one of the fields gives a null, which the trainer refuses with an error naming
 * the column: the query fails rather than train on a guess.
 *
 * <p>Thread safety: static methods on the driver; the returned data frames are Spark's.
 */
public final class KafkaRows {
  private KafkaRows() {}

  /**
   * A streaming read of a topic from its earliest offsets, at most {@code maxOffsetsPerTrigger}
   * records per micro-batch (spread over the topic's partitions in proportion to what each has
   * waiting): the bound on one micro-batch's work.
   *
   * @param session the Spark session
   * @param bootstrapServers the brokers, {@code host:port,...}
   * @param topic the topic
   * @param maxOffsetsPerTrigger the most records per micro-batch, at least 1
   * @return the raw records ({@code key}, {@code value}, {@code partition}, {@code offset}, ...)
   */
  public static Dataset<Row> stream(
      SparkSession session, String bootstrapServers, String topic, long maxOffsetsPerTrigger) {
    return reader(session, bootstrapServers, maxOffsetsPerTrigger)
        .option("subscribe", Objects.requireNonNull(topic, "topic"))
        .load();
  }

  private static DataStreamReader reader(
      SparkSession session, String bootstrapServers, long maxOffsetsPerTrigger) {
    if (maxOffsetsPerTrigger < 1) {
      throw new IllegalArgumentException(
          "maxOffsetsPerTrigger must be at least 1, got " + maxOffsetsPerTrigger);
    }
    return session.readStream()
        .format("kafka")
        .option("kafka.bootstrap.servers", Objects.requireNonNull(bootstrapServers, "bootstrapServers"))
        .option("startingOffsets", "earliest")
        .option("maxOffsetsPerTrigger", maxOffsetsPerTrigger);
  }

  /**
   * A batch read of the records between two offset positions, in Spark's JSON form
   * ({@code {"topic":{"0":120,"1":118}}}, as a query's progress reports them): the same rows,
   * in the same partitions, as the micro-batch that read that range.
   *
   * @param session the Spark session
   * @param bootstrapServers the brokers
   * @param topic the topic
   * @param startOffsets the first offsets, inclusive; null for the topic's earliest (a query's
   *     first micro-batch reports no start)
   * @param endOffsets the last offsets, exclusive
   * @return the raw records
   */
  public static Dataset<Row> range(
      SparkSession session, String bootstrapServers, String topic, String startOffsets,
      String endOffsets) {
    return session.read()
        .format("kafka")
        .option("kafka.bootstrap.servers", bootstrapServers)
        .option("subscribe", topic)
        .option("startingOffsets", startOffsets == null ? "earliest" : startOffsets)
        .option("endingOffsets", endOffsets)
        .load();
  }

  /**
   * Parses each record value as a JSON object with the named numeric fields.
   *
   * @param records raw Kafka records (a streaming or a batch data frame)
   * @param fields the numeric fields, each becoming a {@code DOUBLE} column of the same name
   * @return the key, partition, offset and one column per field
   */
  public static Dataset<Row> json(Dataset<Row> records, List<String> fields) {
    if (fields.isEmpty()) {
      throw new IllegalArgumentException("name at least one field");
    }
    List<StructField> schema = new ArrayList<>();
    for (String field : fields) {
      schema.add(DataTypes.createStructField(field, DataTypes.DoubleType, true));
    }
    List<Column> columns = new ArrayList<>();
    columns.add(col("key").cast("string").as("key"));
    columns.add(col("partition"));
    columns.add(col("offset"));
    for (String field : fields) {
      columns.add(col("record." + field).as(field));
    }
    return records
        .withColumn("record",
            from_json(col("value").cast("string"), new StructType(schema.toArray(StructField[]::new))))
        .select(columns.toArray(Column[]::new));
  }
}
