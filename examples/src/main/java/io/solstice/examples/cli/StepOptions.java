package io.solstice.examples.cli;

import io.solstice.examples.data.UsageException;
import picocli.CommandLine.Option;

/**
 * A picocli mixin: how each train step is made, the rows per batch and Adam's learning rate,
 * for every command that trains ({@code digits}, {@code train}, {@code spark-digits}). Each
 * command gives its defaults with an {@link OptionDefaults}; {@code auto} means what {@link
 * Sizing#of} chooses from the train rows.
 */
public final class StepOptions {

  @Option(names = "--batch-size", paramLabel = "ROWS|auto",
      description = "Rows per batch (default: ${DEFAULT-VALUE}; auto: a tenth of the train rows, at most 128).")
  String batchSize;

  @Option(names = {"--lr", "--learning-rate"}, paramLabel = "RATE|auto",
      description = "Adam learning rate (default: ${DEFAULT-VALUE}; auto: 1e-3, which suits standardized features).")
  String learningRate;

  /** Creates the options; picocli sets them. */
  public StepOptions() {}

  /**
   * The rows per batch: the number given, or for {@code auto} a tenth of the train rows, at
   * most 128.
   *
   * @param trainRows the rows of the train split
   * @return the batch size
   * @throws UsageException when the option is neither a whole number of at least 1 nor auto
   */
  public int batchSize(long trainRows) {
    return Sizing.of(trainRows, givenBatchSize(), null, null, null).batchSize();
  }

  /**
   * The learning rate: the number given, or 1e-3 for {@code auto}.
   *
   * @return the rate
   * @throws UsageException when the option is neither a positive number nor auto
   */
  public double learningRate() {
    return Sizing.of(1, null, null, null, givenLearningRate()).learningRate();
  }

  /** The batch size given, or null for auto. */
  Integer givenBatchSize() {
    return Sizing.whole("--batch-size", batchSize, 1);
  }

  /** The learning rate given, or null for auto. */
  Double givenLearningRate() {
    return Sizing.positive("--lr", learningRate);
  }
}
