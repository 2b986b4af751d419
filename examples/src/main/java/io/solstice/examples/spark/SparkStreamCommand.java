package io.solstice.examples.spark;

import io.solstice.examples.cli.OptionDefaults;
import io.solstice.examples.cli.StepOptions;
import io.solstice.examples.data.OutputFiles;
import io.solstice.examples.data.UsageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code solstice spark-stream}: online training on Apache Spark from a Kafka topic with
 * Structured Streaming ({@link io.solstice.spark.SparkStreamingTrainer}). Each micro-batch is
 * trained in data-parallel rounds, every row evaluated before it is trained on; the command
 * prints one line per micro-batch (rows, rounds, time, lag, prequential accuracy) and the
 * throughput at the end. With {@code --produce N} it first writes N rows of a drifting SEA
 * stream (concept 4 turning to concept 3 halfway) to the topic, so a bare broker is enough to
 * try it.
 *
 * <p>Needs Spark and its Kafka source on the classpath (the examples built with the {@code
 * spark} profile, or {@code spark-submit --packages
 * org.apache.spark:spark-sql-kafka-0-10_2.13:4.0.1}); without them it says so and exits with
 * status 2. This class loads no Spark class itself.
 */
@Command(
    name = "spark-stream",
    mixinStandardHelpOptions = true,
    defaultValueProvider = SparkStreamCommand.Defaults.class,
    description = "Train online on Apache Spark from a Kafka topic (Structured Streaming):"
        + " rounds per micro-batch, prequential accuracy, lag, exactly-once restarts.")
public final class SparkStreamCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT,...",
      description = "The Kafka brokers.")
  String bootstrapServers;

  @Option(names = "--topic", defaultValue = "solstice-sea",
      description = "The topic of JSON rows {\"x0\":..,\"x1\":..,\"x2\":..,\"label\":0|1}"
          + " (default: ${DEFAULT-VALUE}).")
  String topic;

  @Mixin SparkMaster master;

  @Option(names = "--max-offsets-per-trigger", defaultValue = "2000",
      description = "The most records per micro-batch: bounds each batch's work"
          + " (default: ${DEFAULT-VALUE}).")
  long maxOffsetsPerTrigger;

  @Option(names = "--steps-per-round", defaultValue = "10",
      description = "Local train steps per partition and round, K (default: ${DEFAULT-VALUE}).")
  int stepsPerRound;

  @Mixin StepOptions steps;

  @Option(names = "--checkpoints",
      description = "Spark's offsets and the model, versioned by micro-batch; reuse it to"
          + " continue exactly where a stopped run left (default: a new temporary directory,"
          + " printed and kept for that).")
  Path checkpoints;

  @Option(names = "--produce", defaultValue = "0", paramLabel = "ROWS",
      description = "First write this many rows of a drifting SEA stream to the topic"
          + " (default: ${DEFAULT-VALUE}).")
  int produce;

  @Option(names = "--topic-partitions", defaultValue = "2",
      description = "Partitions of the topic when --produce creates it; each is a worker"
          + " (default: ${DEFAULT-VALUE}).")
  int topicPartitions;

  @Option(names = "--records", defaultValue = "0", paramLabel = "ROWS",
      description = "Stop once this many rows are trained (default: ${DEFAULT-VALUE}: run"
          + " until interrupted).")
  long records;

  /** Batches of 32 rows at a rate of 0.05, for SEA's three features scaled to [0, 1]. */
  static final class Defaults extends OptionDefaults {
    Defaults() {
      super(Map.of("--batch-size", "32", "--lr", "0.05"));
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    if (!SparkClasspath.has("org.apache.spark.sql.kafka010.KafkaSourceProvider")) {
      err.println("spark-stream needs Apache Spark and its Kafka source on the classpath: build"
          + " the examples with the spark profile (mvn -Pspark -pl examples -am package), or run"
          + " it through spark-submit --packages"
          + " org.apache.spark:spark-sql-kafka-0-10_2.13:4.0.1.");
      return 2;
    }
    try {
      steps.batchSize(Math.max(1, maxOffsetsPerTrigger / Math.max(1, topicPartitions)));
      steps.learningRate();
      if (maxOffsetsPerTrigger < 1 || stepsPerRound < 1 || topicPartitions < 1 || produce < 0
          || records < 0) {
        throw new UsageException("--max-offsets-per-trigger, --steps-per-round and"
            + " --topic-partitions must be at least 1; --produce and --records at least 0");
      }
    } catch (UsageException e) {
      err.println("spark-stream: " + e.getMessage());
      return 2;
    }
    try {
      return SparkStreamJob.run(this, spec.commandLine().getOut());
    } catch (UsageException e) {
      err.println("spark-stream: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      // A checkpoint directory that cannot be made or a topic Kafka does not create is the
      // environment's, like a usage error: one line.
      err.println("spark-stream: " + OutputFiles.reason(e));
      return 2;
    }
  }
}
