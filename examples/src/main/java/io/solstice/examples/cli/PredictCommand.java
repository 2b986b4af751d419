package io.solstice.examples.cli;

import io.solstice.examples.data.PredictionFile;
import io.solstice.examples.data.UsageException;
import io.solstice.examples.job.PredictionJob;
import io.solstice.examples.job.TrainedModel;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code solstice predict}: applies the model of a {@code train} or {@code digits} run to a
 * table, streaming, and writes the input's key columns with the predicted class (by name) and the
 * class probabilities, or the predicted value. docs/EXPORT.md describes it.
 */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description = {
        "Apply a trained model to new rows: the model of a 'train' or 'digits' run (its best epoch's checkpoint, "
            + "else its latest) with the run's feature columns and standardization, streamed over an Arrow IPC "
            + "file or stream, Parquet, CSV or JSON lines table with those feature columns.",
        "",
        "Output: every input column but the features, then 'prediction' (the class name, or the predicted value "
            + "for regression) and, for classification, 'probabilities' (one per class, in the run's class order).",
        ""
    })
public final class PredictCommand extends CommandBase {

  @Option(names = "--run", required = true, paramLabel = "DIR",
      description = "The run: its --work-dir (e.g. runs/train) or its checkpoint directory.")
  Path run;

  @Option(names = "--data", required = true, paramLabel = "FILE", description = "The table to predict.")
  Path data;

  @Option(names = "--out", paramLabel = "FILE",
      description = "Where the predictions go (default: <data without extension>.predictions.arrow or .parquet).")
  Path out;

  @Option(names = "--format", defaultValue = "arrow", paramLabel = "arrow|parquet",
      description = "The output format (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--batch-size", defaultValue = "4096", paramLabel = "ROWS",
      description = "Rows read and predicted at a time (default: ${DEFAULT-VALUE}).")
  int batchSize;

  /** Creates the command. */
  public PredictCommand() {}

  @Override
  protected int execute() throws Exception {
    PredictionFile.Format outputFormat = PredictionFile.Format.of(format);
    if (batchSize < 1) {
      throw new UsageException("--batch-size must be at least 1, got " + batchSize);
    }
    TrainedModel model = TrainedModel.load(run);
    Path target = out != null ? out : defaultOut(outputFormat);
    long rows;
    try (BufferAllocator allocator = new RootAllocator()) {
      rows = new PredictionJob(model, data, target, outputFormat, batchSize, output()).run(allocator);
    }
    out().printf(Locale.ROOT, "Predicted %d rows of %s with the %s of %s (%s); wrote %s%n", rows, data,
        model.record().model(), model.directory(), model.checkpoint().file().getFileName(), target);
    return 0;
  }

  private Path defaultOut(PredictionFile.Format outputFormat) {
    String name = data.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String stem = dot > 0 ? name.substring(0, dot) : name;
    return data.resolveSibling(stem + ".predictions." + (outputFormat == PredictionFile.Format.ARROW ? "arrow"
        : "parquet"));
  }
}
