package io.solstice.examples.cli;

import io.solstice.examples.job.ClassifierJob;
import io.solstice.examples.job.JobData;
import io.solstice.examples.job.JobFile;
import io.solstice.examples.job.JobSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options and the run of the commands that train a classifier ({@code digits},
 * {@code train}); {@code resume} rebuilds one of them from its {@code job.json} and runs it with
 * {@link #resume}.
 */
abstract class ClassifierCommand extends CommandBase {

  @Option(names = "--epochs", defaultValue = "30", description = "Most epochs to train (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--batch-size", defaultValue = "64", description = "Rows per batch (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--lr", defaultValue = "3e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the data split and the model (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--patience", defaultValue = "5",
      description = "Epochs without a better validation loss before stopping early (default: ${DEFAULT-VALUE}).")
  int patience;

  @Option(names = "--max-steps", defaultValue = "0",
      description = "Stop after this many train steps, leaving a checkpoint to resume from (default: no limit).")
  long maxSteps;

  @Option(names = "--report", paramLabel = "FILE", description = "Write the test metrics and run summary as JSON.")
  Path report;

  /** Where relative paths are resolved: the directory the job was first started in. */
  Path base = Path.of("");

  /**
   * Prepares the data (writing or surveying files) for a run.
   *
   * @return the data
   * @throws Exception when it cannot be prepared
   */
  abstract JobData prepare() throws Exception;

  /**
   * The directory metrics.csv and curves.png go to.
   *
   * @return the work directory, resolved
   */
  abstract Path workDir();

  /**
   * The checkpoint directory, resolved.
   *
   * @return it
   */
  abstract Path checkpointDir();

  /**
   * The hidden layer sizes.
   *
   * @return the sizes
   */
  abstract int[] hidden();

  @Override
  protected int execute() throws Exception {
    return run(false);
  }

  /**
   * Runs the job.
   *
   * @param resume whether to continue from the latest checkpoint
   * @return the exit code
   * @throws Exception on failure
   */
  int run(boolean resume) throws Exception {
    check(epochs >= 1, "--epochs must be at least 1");
    check(batchSize >= 1, "--batch-size must be at least 1");
    check(learningRate > 0, "--lr must be positive");
    check(patience >= 1, "--patience must be at least 1");
    check(maxSteps >= 0, "--max-steps must be >= 0");
    JobData data = prepare();
    if (!resume) {
      new JobFile(name(), originalArgs(), base.toAbsolutePath()).write(checkpointDir());
    }
    JobSettings settings = new JobSettings(epochs, hidden(), learningRate, seed, patience, maxSteps,
        checkpointDir(), workDir().resolve("metrics.csv"), workDir().resolve("curves.png"),
        report == null ? null : resolve(report), resume);
    new ClassifierJob(data, settings).run(out());
    return 0;
  }

  /** The arguments after the command's name, as typed. */
  private List<String> originalArgs() {
    List<String> all = spec.commandLine().getParseResult().originalArgs();
    int at = all.indexOf(name());
    return new ArrayList<>(all.subList(at + 1, all.size()));
  }

  Path resolve(Path path) {
    return base.resolve(path);
  }

  static void check(boolean ok, String message) {
    if (!ok) {
      throw new UsageException(message);
    }
  }
}
