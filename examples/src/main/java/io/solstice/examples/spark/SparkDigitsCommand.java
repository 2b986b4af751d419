package io.solstice.examples.spark;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code solstice spark-digits}: trains the digits classifier data-parallel on Apache Spark
 * ({@code local[2]} by default) with {@link io.solstice.spark.SparkTrainer}, and prints each
 * round's train metrics and the final test accuracy.
 *
 * <p>Spark is large (about 250 MB of jars), so the examples carry it only when built with the
 * {@code spark} Maven profile ({@code mvn -Pspark package}); without it this command says so
 * and exits with status 2. This class loads no Spark class itself, so registering it in a CLI
 * never needs Spark.
 */
@Command(
    name = "spark-digits",
    mixinStandardHelpOptions = true,
    description = "Train the digits MLP on Apache Spark by rounds of local steps and"
        + " parameter averaging (local[2] by default).")
public final class SparkDigitsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--master", defaultValue = "local[2]",
      description = "Spark master URL (default: ${DEFAULT-VALUE}); under spark-submit, the"
          + " submitted master wins.")
  String master;

  @Option(names = "--partitions", defaultValue = "2",
      description = "Workers: one Arrow shard file each (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--rounds", defaultValue = "20",
      description = "Rounds of broadcast, local steps and averaging (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--steps-per-round", defaultValue = "10",
      description = "Local train steps per partition and round, K (default: ${DEFAULT-VALUE}).")
  int stepsPerRound;

  @Option(names = "--batch-size", defaultValue = "32",
      description = "Rows per batch (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--learning-rate", defaultValue = "0.01",
      description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate;

  @Option(names = "--work-dir",
      description = "Where the shard files are written; must be visible to every executor"
          + " (default: a new temporary directory).")
  Path workDir;

  @Option(names = "--checkpoints",
      description = "Write a checkpoint per round here, and resume from the latest one.")
  Path checkpoints;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    if (!sparkOnClasspath()) {
      err.println("spark-digits needs Apache Spark on the classpath: build the examples with"
          + " the spark profile (mvn -Pspark -pl examples -am package), or run this command"
          + " through spark-submit (see solstice-spark/README.md).");
      return 2;
    }
    return SparkDigitsJob.run(this, spec.commandLine().getOut());
  }

  private static boolean sparkOnClasspath() {
    try {
      Class.forName("org.apache.spark.sql.SparkSession", false,
          SparkDigitsCommand.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
