package io.solstice.examples.spark;

import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.examples.data.OutputFiles;
import io.solstice.online.streams.ConceptDrift;
import io.solstice.online.streams.RowGenerator;
import io.solstice.online.streams.SeaGenerator;
import io.solstice.spark.KafkaRows;
import io.solstice.spark.MetricsCodec;
import io.solstice.spark.MicroBatchSummary;
import io.solstice.spark.SerializableSupplier;
import io.solstice.spark.SparkStreamingTrainer;
import io.solstice.spark.StreamingRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/** The Spark side of {@link SparkStreamCommand}: only loaded when Spark is on the classpath. */
final class SparkStreamJob {
  private static final List<String> FEATURES = List.of("x0", "x1", "x2");
  private static final List<String> FIELDS = List.of("x0", "x1", "x2", "label");

  private SparkStreamJob() {}

  static int run(SparkStreamCommand options, PrintWriter out) throws Exception {
    if (options.produce > 0) {
      produce(options);
      out.printf(Locale.ROOT, "wrote %d rows of a drifting SEA stream to %s%n", options.produce,
          options.topic);
    }
    Path checkpoints = checkpointDirectory(options.checkpoints);
    SparkSession session = SparkLaunch.start("solstice-spark-stream", options.master,
        options.spec.commandLine().getErr());
    try {
      JavaSparkContext spark = JavaSparkContext.fromSparkContext(session.sparkContext());
      double learningRate = options.steps.learningRate();
      SerializableSupplier<MlpClassifier> factory = () -> model(learningRate);
      int batchRows = options.steps.batchSize(
          Math.max(1, options.maxOffsetsPerTrigger / options.topicPartitions));
      SparkStreamingTrainer<MlpClassifier, ClassificationMetrics> trainer =
          SparkStreamingTrainer.builder(spark, factory, MetricsCodec.classification())
              .rows(FEATURES, "label", 2, batchRows)
              .stepsPerRound(options.stepsPerRound)
              .checkpoints(checkpoints)
              .build();
      int cores = spark.defaultParallelism();
      Throughput throughput = new Throughput();
      try (StreamingRun<MlpClassifier, ClassificationMetrics> run =
          trainer.open(model(learningRate))) {
        out.printf(Locale.ROOT, "checkpoints in %s; continuing after micro-batch %d%n",
            checkpoints, run.appliedBatch());
        out.flush();
        // Every applied micro-batch is printed, those the stop catches in flight included (the
        // run reports them when it closes), so the lines add up to what the model has seen.
        Sinks.Empty<Void> enough = Sinks.empty();
        run.progress().subscribe(batch -> {
          if (print(out, batch, throughput) >= options.records && options.records > 0) {
            enough.tryEmitEmpty();
          }
        });
        StreamingQuery query = run.start(KafkaRows.json(KafkaRows.stream(session,
            options.bootstrapServers, options.topic, options.maxOffsetsPerTrigger), FIELDS));
        Mono<Void> ended = Mono.<Void>fromRunnable(() -> {
          try {
            query.awaitTermination();
          } catch (StreamingQueryException e) {
            throw Exceptions.propagate(e);
          }
        }).subscribeOn(Schedulers.boundedElastic());
        Mono.firstWithSignal(enough.asMono(), ended).block();
      }
      throughput.print(out, options.stepsPerRound, cores);
      return 0;
    } finally {
      session.stop();
    }
  }

  /** The given checkpoint directory, made if missing, or a new temporary one (kept, to resume). */
  private static Path checkpointDirectory(Path given) throws IOException {
    try {
      return given != null
          ? Files.createDirectories(given)
          : Files.createTempDirectory("solstice-spark-stream");
    } catch (IOException e) {
      throw new IOException("cannot create the checkpoint directory"
          + (given == null ? "" : " " + given) + ": " + OutputFiles.reason(e), e);
    }
  }

  static MlpClassifier model(double learningRate) {
    return MlpClassifier.builder().inputs(3).hidden(16).classes(2)
        .updater(new Adam(learningRate)).seed(42).build();
  }

  /** Prints one micro-batch's line and returns the rows trained so far. */
  private static long print(
      PrintWriter out, MicroBatchSummary<ClassificationMetrics> batch, Throughput throughput) {
    long trained = throughput.add(batch);
    synchronized (out) {
      if (batch.skipped()) {
        out.printf(Locale.ROOT, "micro-batch %d: applied before the restart, skipped%n",
            batch.batchId());
      } else if (batch.prequential() != null) {
        Map<String, Double> prequential = batch.prequential().compute();
        Map<String, Double> train = batch.metrics().compute();
        out.printf(Locale.ROOT,
            "micro-batch %d: %d rows in %d rounds, %.2f s; lag %s; prequential accuracy %.4f;"
                + " train loss %.4f%n",
            batch.batchId(), batch.records(), batch.rounds(),
            batch.trainingTime().toNanos() / 1e9,
            batch.lag() < 0 ? "unknown" : Long.toString(batch.lag()), prequential.get("accuracy"),
            train.get("loss"));
      }
      out.flush();
    }
    return trained;
  }

  /**
   * Rows of SEA concept 4 (class 1 when x0 + x1 > 9.5) turning abruptly to concept 3 (> 7)
   * halfway, with SEA's 10% label noise, as JSON with the features scaled to [0, 1].
   */
  private static void produce(SparkStreamCommand options)
      throws IOException, InterruptedException, ExecutionException {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", options.bootstrapServers))) {
      admin.createTopics(List.of(new NewTopic(options.topic, options.topicPartitions, (short) 1)))
          .all().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException("Kafka did not create topic " + options.topic + " in 30 s", e);
    }
    RowGenerator rows = new ConceptDrift(SeaGenerator.of(4, 1), SeaGenerator.of(3, 2),
        options.produce / 2, 1, 3);
    Properties config = new Properties();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    double[] x = new double[3];
    AtomicReference<Exception> failed = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
      for (long id = 0; id < options.produce; id++) {
        int label = rows.next(x);
        String json = String.format(Locale.ROOT,
            "{\"id\": %d, \"x0\": %.6f, \"x1\": %.6f, \"x2\": %.6f, \"label\": %d}",
            id, x[0] / 10, x[1] / 10, x[2] / 10, label);
        producer.send(new ProducerRecord<>(options.topic,
            Long.toString(id).getBytes(StandardCharsets.UTF_8),
            json.getBytes(StandardCharsets.UTF_8)), (written, e) -> {
              if (e != null) {
                failed.compareAndSet(null, e);
              }
            });
      }
      producer.flush(); // returns once every send has completed, its callback run
    }
    if (failed.get() != null) {
      // Rows missing from the topic would leave --records waiting for them for ever.
      throw new IOException("Kafka did not take every row written to " + options.topic + ": "
          + failed.get().getMessage(), failed.get());
    }
  }

  /** Rows and rounds trained, from the first micro-batch's start to the last one's end. */
  private static final class Throughput {
    private long records;
    private long rounds;
    private long batches;
    private long trainingNanos;

    /** Counts a micro-batch and returns the rows trained so far. */
    synchronized long add(MicroBatchSummary<ClassificationMetrics> batch) {
      if (!batch.skipped()) {
        records += batch.records();
        rounds += batch.rounds();
        batches++;
        trainingNanos += batch.trainingTime().toNanos();
      }
      return records;
    }

    synchronized void print(PrintWriter out, int k, int cores) {
      double seconds = trainingNanos / 1e9;
      if (batches == 0 || seconds == 0) {
        out.println("no micro-batch trained");
      } else {
        out.printf(Locale.ROOT,
            "K=%d: %d micro-batches, %d rounds, %d rows in %.1f s of training: %.2f rounds/s,"
                + " %.0f rows/s, %.0f rows/s per executor core (%d cores)%n",
            k, batches, rounds, records, seconds, rounds / seconds, records / seconds,
            records / seconds / cores, cores);
      }
      out.flush();
    }
  }
}
