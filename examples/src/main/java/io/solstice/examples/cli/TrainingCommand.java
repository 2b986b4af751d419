package io.solstice.examples.cli;

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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options and the run of the commands that train a model ({@code digits}, {@code train});
 * {@code resume} rebuilds one of them from its {@code job.json} and runs it with
 * {@link #run(boolean)}.
 *
 * <p>Epochs, batch size, learning rate and patience take a number or {@code auto}. Each
 * command states its defaults, and its weight decay, with a {@code defaultValueProvider}
 * ({@code digits}: fixed numbers; {@code train}: {@code auto}); {@link Sizing#of} says what
 * {@code auto} means.
 */
abstract class TrainingCommand extends CommandBase {

  @Mixin ObservabilityOptions observability;

  @Option(names = "--epochs", paramLabel = "N|auto",
      description = "Most epochs to train (default: ${DEFAULT-VALUE}; auto: enough for about 4,000 steps, 3 to 200).")
  String epochs;

  @Option(names = "--batch-size", paramLabel = "ROWS|auto",
      description = "Rows per batch (default: ${DEFAULT-VALUE}; auto: a tenth of the train rows, at most 128).")
  String batchSize;

  @Option(names = "--lr", paramLabel = "RATE|auto",
      description = "Adam learning rate (default: ${DEFAULT-VALUE}; auto: 1e-3, which suits standardized features).")
  String learningRate;

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

  @Option(names = "--max-steps", defaultValue = "0",
      description = "Stop after this many train steps, leaving a checkpoint to resume from (default: no limit).")
  long maxSteps;

  @Option(names = "--report", paramLabel = "FILE", description = "Write the test metrics and run summary as JSON.")
  Path report;

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
    sizing(1);
    check(maxSteps >= 0, "--max-steps must be >= 0");
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
          maxSteps, checkpointDir(), workDir().resolve("metrics.csv"), workDir().resolve("curves.png"),
          report == null ? null : resolve(report), resume, output(),
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
    Integer givenBatch = whole("--batch-size", batchSize, 1);
    Integer givenEpochs = whole("--epochs", epochs, 1);
    Integer givenPatience = whole("--patience", patience, 1);
    Double givenRate = positive("--lr", learningRate);
    return Sizing.of(trainRows, givenBatch, givenEpochs, givenPatience, givenRate);
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

  private static Integer whole(String option, String value, int least) {
    if (value == null || value.equals("auto")) {
      return null;
    }
    try {
      int n = Integer.parseInt(value.trim());
      check(n >= least, option + " must be at least " + least + " (or auto), got " + value);
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(option + " must be a whole number or auto, got " + value);
    }
  }

  private static Double positive(String option, String value) {
    if (value == null || value.equals("auto")) {
      return null;
    }
    try {
      double x = Double.parseDouble(value.trim());
      check(x > 0 && Double.isFinite(x), option + " must be positive (or auto), got " + value);
      return x;
    } catch (NumberFormatException e) {
      throw new UsageException(option + " must be a number or auto, got " + value);
    }
  }
}
