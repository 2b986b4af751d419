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
 * {@code solstice spark-digits}: trains the digits classifier data-parallel on Apache Spark
 * ({@code local[2]} by default) with {@link io.solstice.spark.SparkTrainer}, and prints each
 * round's train metrics and the final test accuracy.
 *
 * <p>Spark is large (about 250 MB of jars), so the examples carry it only when built with the
 * {@code spark} Maven profile ({@code mvn -Pspark package}, which {@code ./solstice
 * spark-digits} does); without it this command says so and exits with status 2. This class
 * loads no Spark class itself, so registering it in a CLI never needs Spark. On a cluster it
 * runs from the Spark application jar ({@code -Pspark-app}), under {@code spark-submit} or
 * launched directly with a cluster {@code --master} ({@link SparkLaunch}). Exit status: 0, 1
 * when training failed (a Spark job aborted, resources the cluster cannot give), 2 for a usage
 * error.
 */
@Command(
    name = "spark-digits",
    mixinStandardHelpOptions = true,
    defaultValueProvider = SparkDigitsCommand.Defaults.class,
    description = "Train the digits MLP on Apache Spark by rounds of local steps and"
        + " parameter averaging (local[2] by default).")
public final class SparkDigitsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin SparkMaster master;

  @Option(names = "--executor-wait", paramLabel = "SECONDS", defaultValue = "120",
      description = "How long to wait for an executor able to run a task before failing with"
          + " the settings the cluster cannot meet (default: ${DEFAULT-VALUE}).")
  long executorWaitSeconds;

  @Option(names = "--partitions", defaultValue = "2",
      description = "Workers: one Arrow shard file each (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--rounds", defaultValue = "30",
      description = "Rounds of broadcast, local steps and averaging (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--steps-per-round", defaultValue = "10",
      description = "Local train steps per partition and round, K (default: ${DEFAULT-VALUE}).")
  int stepsPerRound;

  @Mixin StepOptions steps;

  @Option(names = "--work-dir",
      description = "Where the shard files are written; must be visible to every executor"
          + " (default: a new temporary directory, deleted when the run ends).")
  Path workDir;

  @Option(names = "--checkpoints",
      description = "Write a checkpoint per round here, and resume from the latest one.")
  Path checkpoints;

  /**
   * Batches of 64 rows at a rate of 0.01: with 30 rounds of 10 steps on two workers they reach
   * a test accuracy of 0.969 (docs/SPARK.md has the other settings tried).
   */
  static final class Defaults extends OptionDefaults {
    Defaults() {
      super(Map.of("--batch-size", "64", "--lr", "0.01"));
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    if (!SparkClasspath.has("org.apache.spark.sql.SparkSession")) {
      err.println("spark-digits needs Apache Spark on the classpath: build the examples with"
          + " the spark profile (mvn -Pspark -pl examples -am package), or run this command"
          + " through spark-submit (see solstice-spark/README.md).");
      return 2;
    }
    try {
      // Checked before Spark starts: the batch size's auto needs the train rows, known later.
      steps.batchSize(1);
      steps.learningRate();
      if (executorWaitSeconds < 1) {
        throw new UsageException("--executor-wait must be at least 1 second, got "
            + executorWaitSeconds);
      }
      atLeast(1, partitions, "--partitions");
      atLeast(0, rounds, "--rounds"); // 0 rounds: evaluate the model as it is (or as resumed)
      atLeast(1, stepsPerRound, "--steps-per-round");
    } catch (UsageException e) {
      err.println("spark-digits: " + e.getMessage());
      return 2;
    }
    try {
      return SparkDigitsJob.run(this, spec.commandLine().getOut());
    } catch (UsageException e) {
      err.println("spark-digits: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      // A file that cannot be written is the environment's, like a usage error: one line.
      err.println("spark-digits: cannot write the shards" + (workDir == null ? "" : " in " + workDir) + ": "
          + OutputFiles.reason(e));
      return 2;
    }
  }

  private static void atLeast(int least, int value, String option) {
    if (value < least) {
      throw new UsageException(option + " must be at least " + least + ", got " + value);
    }
  }
}
