package io.solstice.spark;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.Metrics;
import io.solstice.reactive.TrainingSubscriber;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.streaming.Trigger;

/**
 * Online training on a cluster: a Spark Structured Streaming query (typically over Kafka, see
 * {@link KafkaRows}) whose every micro-batch is trained by data-parallel rounds of the same
 * machinery as {@link SparkTrainer} (broadcast state, K local steps per partition on Arrow
 * batches, {@code treeAggregate}, averaging), with the model state checkpointed together with
 * the micro-batch id.
 *
 * <pre>{@code
 * SparkStreamingTrainer<MlpClassifier, ClassificationMetrics> trainer =
 *     SparkStreamingTrainer.builder(sparkContext, MyJob::newModel, MetricsCodec.classification())
 *         .rows(List.of("x0", "x1", "x2"), "label", 2, 32)   // columns, classes, batch rows
 *         .stepsPerRound(10)
 *         .checkpoints(dir)                                   // Spark's offsets and the model
 *         .build();
 * Dataset<Row> rows = KafkaRows.json(
 *     KafkaRows.stream(session, "broker:9092", "events", 10_000), List.of("x0", "x1", "x2", "label"));
 * try (StreamingRun<MlpClassifier, ClassificationMetrics> run =
 *     trainer.open(MyJob.newModel(), LoggingCallback.atEpochEnd().build())) {
 *   run.progress().subscribe(batch -> log(batch.lag(), batch.prequential()));
 *   run.start(rows).awaitTermination();
 * }
 * }</pre>
 *
 * <h2>A micro-batch</h2>
 *
 * <p>Each partition of the micro-batch (one per Kafka partition) is a worker. The batch is
 * trained in rounds: in each round every partition runs at most K train steps on its next
 * batches of rows, each batch evaluated before it is trained on (prequential), and the driver
 * combines the partitions' states as {@link SparkTrainer} does. Rounds continue until every
 * partition has passed over its rows once: every row is trained on exactly once, and a
 * micro-batch of R rows per partition takes {@code ceil(R / (batchRows * K))} rounds.
 *
 * <h2>Exactly once across restarts</h2>
 *
 * <p>The checkpoint directory holds Spark's checkpoint ({@code query/}: offsets and commits)
 * and the model's ({@code model/}). After the rounds of micro-batch {@code b} the trainer writes
 * the model state with version {@code b}, atomically, and only then returns to Spark, which
 * then commits the batch. On a restart the trainer loads the newest version; Spark re-runs the
 * micro-batch it had not committed with the same offsets, and a batch whose id is not above the
 * loaded version is skipped (its state was written, Spark's commit was not). So no micro-batch
 * is lost and none is applied twice, and the model after a restart equals that of a run that
 * was never interrupted and saw the same micro-batches. A partition's rows come from one Kafka
 * partition in offset order and rounds are deterministic, so a re-run batch trains exactly as
 * the interrupted one would have.
 *
 * <h2>Backpressure</h2>
 *
 * <p>{@code maxOffsetsPerTrigger} (see {@link KafkaRows#stream}) bounds the records of one
 * micro-batch, and so its rounds and its time. Spark starts the next micro-batch as soon as the
 * previous one is committed (or on the trigger given to {@link Builder#trigger}), so the
 * query keeps up while the records arriving during one micro-batch fit in the next one; when
 * the topic grows faster than that, every micro-batch is full, the lag grows, and nothing is
 * dropped: the records wait in Kafka, within its retention. {@link MicroBatchSummary#lag} and
 * Spark's rates report it per micro-batch through {@link StreamingRun#progress()}.
 *
 * <p>Not thread-safe to build; the trainer itself is immutable and can open several runs (on
 * different checkpoint directories).
 *
 * @param <E> the experiment type
 * @param <M> the metrics type
 */
public final class SparkStreamingTrainer<
    E extends Experiment<E, TensorBatch, M> & Checkpointable<E>, M extends Metrics<M>> {

  final JavaSparkContext spark;
  final SerializableSupplier<E> factory;
  final MetricsCodec<M> codec;
  final List<String> featureColumns;
  final String labelColumn;
  final int numClasses;
  final int batchRows;
  final long stepsPerRound;
  final int treeDepth;
  final Path checkpoints;
  final String summedPrefix;
  final int windowSize;
  final double fadingFactor;
  final Trigger trigger;

  private SparkStreamingTrainer(Builder<E, M> b) {
    this.spark = b.spark;
    this.factory = b.factory;
    this.codec = b.codec;
    this.featureColumns = b.featureColumns;
    this.labelColumn = b.labelColumn;
    this.numClasses = b.numClasses;
    this.batchRows = b.batchRows;
    this.stepsPerRound = b.stepsPerRound;
    this.treeDepth = b.treeDepth;
    this.checkpoints = b.checkpoints;
    this.summedPrefix = b.summedPrefix;
    this.windowSize = b.windowSize;
    this.fadingFactor = b.fadingFactor;
    this.trigger = b.trigger;
  }

  /**
   * A new builder.
   *
   * @param spark the Spark context the rounds run on
   * @param experimentFactory builds a fresh experiment of the trained shape on each executor
   * @param metrics ships the step outputs from executors to the driver
   * @param <E> the experiment type
   * @param <M> the metrics type
   * @return the builder
   */
  public static <E extends Experiment<E, TensorBatch, M> & Checkpointable<E>,
      M extends Metrics<M>> Builder<E, M> builder(
          JavaSparkContext spark, SerializableSupplier<E> experimentFactory,
          MetricsCodec<M> metrics) {
    return new Builder<>(spark, experimentFactory, metrics);
  }

  /**
   * Opens a run on the checkpoint directory: continues from the newest model state there, or
   * starts from {@code experiment} when there is none, and delivers {@code RunStarted} to the
   * subscribers. Start the query with {@link StreamingRun#start}.
   *
   * @param experiment the experiment to start from when the directory holds no state
   * @param subscribers the driver's synchronous subscribers, in delivery order (see {@link
   *     StreamingRun})
   * @return the run; close it to stop the query and end the run
   */
  @SafeVarargs
  public final StreamingRun<E, M> open(
      E experiment, TrainingSubscriber<? super E, ? super M>... subscribers) {
    return new StreamingRun<>(this, Objects.requireNonNull(experiment, "experiment"),
        List.of(subscribers));
  }

  /**
   * Configures a {@link SparkStreamingTrainer}.
   *
   * @param <E> the experiment type
   * @param <M> the metrics type
   */
  public static final class Builder<E extends Experiment<E, TensorBatch, M> & Checkpointable<E>,
      M extends Metrics<M>> {
    private final JavaSparkContext spark;
    private final SerializableSupplier<E> factory;
    private final MetricsCodec<M> codec;
    private List<String> featureColumns;
    private String labelColumn;
    private int numClasses;
    private int batchRows;
    private long stepsPerRound = 1;
    private int treeDepth = 2;
    private Path checkpoints;
    private String summedPrefix;
    private int windowSize = 10;
    private double fadingFactor = 0.99;
    private Trigger trigger = Trigger.ProcessingTime(0);

    private Builder(JavaSparkContext spark, SerializableSupplier<E> factory, MetricsCodec<M> codec) {
      this.spark = Objects.requireNonNull(spark, "spark");
      this.factory = Objects.requireNonNull(factory, "experimentFactory");
      this.codec = Objects.requireNonNull(codec, "metrics");
    }

    /**
     * The rows' layout (required): numeric feature columns read as FLOAT32 and an integer
     * class-label column, gathered into batches of {@code batchRows} rows per partition.
     *
     * @param featureColumns the feature columns, in order
     * @param labelColumn the label column, classes in {@code [0, numClasses)}
     * @param numClasses the number of classes
     * @param batchRows rows per train step, at least 1
     * @return this builder
     */
    public Builder<E, M> rows(
        List<String> featureColumns, String labelColumn, int numClasses, int batchRows) {
      if (featureColumns.isEmpty()) {
        throw new IllegalArgumentException("name at least one feature column");
      }
      if (batchRows < 1) {
        throw new IllegalArgumentException("batchRows must be at least 1, got " + batchRows);
      }
      this.featureColumns = List.copyOf(featureColumns);
      this.labelColumn = Objects.requireNonNull(labelColumn, "labelColumn");
      this.numClasses = numClasses;
      this.batchRows = batchRows;
      return this;
    }

    /**
     * K, the most local train steps each partition runs per round (default 1). A micro-batch
     * of R rows per partition takes {@code ceil(R / (batchRows * K))} rounds.
     *
     * @param k at least 1
     * @return this builder
     */
    public Builder<E, M> stepsPerRound(long k) {
      if (k < 1) {
        throw new IllegalArgumentException("stepsPerRound must be >= 1, got " + k);
      }
      this.stepsPerRound = k;
      return this;
    }

    /**
     * The depth of {@code treeAggregate} (default 2).
     *
     * @param depth at least 1
     * @return this builder
     */
    public Builder<E, M> treeDepth(int depth) {
      if (depth < 1) {
        throw new IllegalArgumentException("treeDepth must be >= 1, got " + depth);
      }
      this.treeDepth = depth;
      return this;
    }

    /**
     * The checkpoint directory (required): Spark's offsets and commits in {@code query/}, the
     * model state versioned by micro-batch in {@code model/}. It must be on storage the driver
     * keeps across restarts; reuse it to continue a query.
     *
     * @param directory the directory
     * @return this builder
     */
    public Builder<E, M> checkpoints(Path directory) {
      this.checkpoints = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * Floating-point state arrays whose names start with {@code prefix} hold sums (counters,
     * sufficient statistics): a round adds each partition's change to them instead of averaging.
     *
     * @param prefix the name prefix
     * @return this builder
     */
    public Builder<E, M> summedState(String prefix) {
      this.summedPrefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /**
     * The prequential report of the rounds (default: a window of 10 rounds and a fading
     * factor of 0.99), as {@link io.solstice.reactive.Run#prequential} defines it with rounds
     * in place of batches.
     *
     * @param windowSize the sliding window in rounds, at least 1
     * @param fadingFactor alpha in (0, 1]
     * @return this builder
     */
    public Builder<E, M> prequential(int windowSize, double fadingFactor) {
      if (windowSize < 1 || !(fadingFactor > 0 && fadingFactor <= 1)) {
        throw new IllegalArgumentException("windowSize must be >= 1 and fadingFactor in (0, 1],"
            + " got " + windowSize + " and " + fadingFactor);
      }
      this.windowSize = windowSize;
      this.fadingFactor = fadingFactor;
      return this;
    }

    /**
     * When micro-batches start (default {@code Trigger.ProcessingTime(0)}: as soon as the
     * previous one is committed).
     *
     * @param when the trigger
     * @return this builder
     */
    public Builder<E, M> trigger(Trigger when) {
      this.trigger = Objects.requireNonNull(when, "trigger");
      return this;
    }

    /**
     * The trainer.
     *
     * @return the configured trainer
     * @throws IllegalStateException when the rows' layout or the checkpoint directory is missing
     */
    public SparkStreamingTrainer<E, M> build() {
      if (featureColumns == null) {
        throw new IllegalStateException("set the rows' layout with rows(...)");
      }
      if (checkpoints == null) {
        throw new IllegalStateException("set the checkpoint directory with checkpoints(...)");
      }
      return new SparkStreamingTrainer<>(this);
    }
  }
}
