package io.solstice.examples.cli;

import io.solstice.examples.data.UsageException;
import io.solstice.examples.job.JobData;
import io.solstice.examples.job.JobFile;
import io.solstice.examples.job.JobSettings;
import io.solstice.examples.job.RunRecord;
import io.solstice.examples.job.TrainingJob;
import io.solstice.examples.observe.Observers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options and the run of the commands that train a model ({@code digits}, {@code train});
 * {@code resume} rebuilds one of them from its {@code job.json} and runs it with
 * {@link #run(boolean)}.
 *
 * <p>Epochs, batch size, learning rate and patience take a number or {@code auto}. Each
 * command states its defaults, and its weight decay, with its {@link OptionDefaults} ({@code
 * digits}: fixed numbers; {@code train}: {@code auto}); {@link Sizing#of} says what {@code auto}
 * means. Options other commands share are declared once, in {@link StepOptions}, {@link
 * JobOptions} and {@link RunDirectories}.
 */
abstract class TrainingCommand extends CommandBase {

  @Mixin ObservabilityOptions observability;

  @Option(names = "--epochs", paramLabel = "N|auto",
      description = "Most epochs to train (default: ${DEFAULT-VALUE}; auto: enough for about 4,000 steps, 3 to 200).")
  String epochs;

  @Mixin StepOptions steps;

  @Option(names = "--patience", paramLabel = "EPOCHS|auto",
      description = "Epochs without a better validation loss before stopping early "
          + "(default: ${DEFAULT-VALUE}; auto: a tenth of the epochs, at least 5).")
  String patience;

  @Option(names = "--weight-decay", paramLabel = "RATE",
      description = "Decoupled weight decay (AdamW) on the weights, which keeps a model from fitting a small table's "
          + "noise (default: ${DEFAULT-VALUE}).")
  double weightDecay;

  @Option(names = "--seed", defaultValue = "42",
      description = "Seed of the data split, the model and, for train, the row order of each epoch "
          + "(default: ${DEFAULT-VALUE}).")
  long seed;

  @Mixin JobOptions jobOptions;

  @ArgGroup(exclusive = false)
  RunDirectories directories;

  @Mixin RunConfig config;

  /** Where relative paths are resolved: the directory the job was first started in. */
  Path base = Path.of("");

  /**
   * Prepares the data (writing or surveying and splitting files) for a run.
   *
   * @param allocator the allocator of every batch the job reads; the data's sources use it
   * @return the data; its sources read batches of {@link #sizing}{@code (trainRows).batchSize()}
   * @throws Exception when it cannot be prepared
   */
  abstract JobData prepare(BufferAllocator allocator) throws Exception;

  /**
   * The work directory when {@code --work-dir} is not given.
   *
   * @return for example runs/train
   */
  abstract Path defaultWorkDir();

  /**
   * The directory metrics.csv and curves.png go to.
   *
   * @return the work directory, resolved
   */
  Path workDir() {
    return resolve(RunDirectories.workDir(directories, defaultWorkDir()));
  }

  /**
   * The checkpoint directory, resolved: {@code --checkpoint-dir}, else {@code <work-dir>/checkpoints}.
   *
   * @return it
   */
  Path checkpointDir() {
    return resolve(RunDirectories.checkpointDir(directories, workDir()));
  }

  /**
   * The hidden layer sizes.
   *
   * @return the sizes
   * @throws UsageException when a size is not positive
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
    hidden(); // checks the layer sizes, like every option, before a file is written
    observability.check();
    sizing(1);
    check(jobOptions.maxSteps >= 0, "--max-steps must be >= 0");
    check(weightDecay >= 0 && Double.isFinite(weightDecay), "--weight-decay must be >= 0");
    BufferAllocator allocator = new RootAllocator();
    Throwable failure = null;
    try (JobData data = prepare(allocator)) {
      if (!resume) {
        new JobFile(name(), originalArgs(), base.toAbsolutePath()).write(checkpointDir(), output());
      }
      Sizing sizing = sizing(data.trainRows());
      JobSettings settings = new JobSettings(sizing.epochs(), hidden(), sizing.learningRate(), weightDecay, seed,
          sizing.patience(),
          jobOptions.maxSteps, checkpointDir(), workDir().resolve("metrics.csv"), workDir().resolve("curves.png"),
          jobOptions.report == null ? null : resolve(jobOptions.report), resume, output(),
          new RunRecord(name(), RunConfig.options(spec), sizing.asJson()));
      try (Observers observers = observability.start(name(), out())) {
        new TrainingJob(data, settings, observers).run(out());
      }
    } catch (Exception | Error e) {
      failure = e;
      throw e;
    } finally {
      closeAllocator(allocator, failure);
    }
    return 0;
  }

  /** Closes the allocator; a leak it reports after a failure is added to that failure, not raised. */
  private static void closeAllocator(BufferAllocator allocator, Throwable failure) {
    try {
      allocator.close();
    } catch (RuntimeException leak) {
      if (failure == null) {
        throw leak;
      }
      failure.addSuppressed(leak);
    }
  }

  /**
   * Epochs, batch size, learning rate and patience: the options as given, {@code auto} ones
   * chosen from the train split's size.
   *
   * @param trainRows the rows of the train split
   * @return the settings
   * @throws UsageException when an option is neither a valid number nor {@code auto}
   */
  Sizing sizing(long trainRows) {
    return Sizing.of(trainRows, steps.givenBatchSize(), Sizing.whole("--epochs", epochs, 1),
        Sizing.whole("--patience", patience, 1), steps.givenLearningRate());
  }

  /**
   * One line saying what the run will use, for the command's output.
   *
   * @param sizing the settings
   * @return the line
   */
  String describe(Sizing sizing) {
    return String.format(Locale.ROOT, "Batches of %d rows, at most %d epochs, early stopping after %d epochs without "
        + "a better validation loss, learning rate %s, weight decay %s", sizing.batchSize(), sizing.epochs(),
        sizing.patience(), sizing.learningRate(), weightDecay);
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
