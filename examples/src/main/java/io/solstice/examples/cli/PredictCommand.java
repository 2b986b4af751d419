package io.solstice.examples.cli;

import io.solstice.examples.data.PredictionFile;
import io.solstice.examples.data.UsageException;
import io.solstice.examples.job.CsvReading;
import io.solstice.examples.job.Interruption;
import io.solstice.examples.job.PredictionJob;
import io.solstice.examples.job.TrainedModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import picocli.CommandLine;
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
            + "else its latest) with the run's feature columns, null filling and standardization, streamed over an "
            + "Arrow IPC file or stream, Parquet, CSV or JSON lines table (the last two also gzip-compressed, *.gz) "
            + "with those feature columns.",
        "",
        "Output: every input column but the features (with --keep-features, every input column), then 'prediction' "
            + "(the class name, or the predicted value "
            + "for regression) and, for classification, 'probabilities' (one per class, in the run's class order; "
            + "in CSV one probability_<class> column each). When the table has the column the model predicts "
            + "(the run's label or target), a report against it follows, as train's on its test split.",
        ""
    })
public final class PredictCommand extends CommandBase {

  @Option(names = "--run", required = true, paramLabel = "DIR",
      description = "The run: its --work-dir (e.g. runs/train) or its checkpoint directory.")
  Path run;

  @Option(names = "--data", required = true, paramLabel = "FILE", description = "The table to predict.")
  Path data;

  @Option(names = "--out", paramLabel = "FILE",
      description = "Where the predictions go (default: <data without extension>.predictions.<format>).")
  Path out;

  @Option(names = "--format", paramLabel = "arrow|parquet|csv",
      description = "The output format (default: the one --out's extension names, .arrow, .parquet or .csv; else "
          + "arrow). CSV has one probability_<class> column per class.")
  String format;

  @Option(names = "--keep-features", negatable = false,
      description = "Write the feature columns too, in their place among the input's columns (by default the "
          + "output has every input column but the features).")
  boolean keepFeatures;

  @Option(names = "--csv-skip-rows", paramLabel = "N",
      description = "Rows to skip at the start of a CSV file, before the header (default: as many as the run's "
          + "table; the run's header, missing-value markers and encoding apply either way).")
  Integer csvSkipRows;

  @Option(names = "--report", paramLabel = "FILE",
      description = "Write the report against the table's label or target column as JSON, shaped as train's "
          + "(test: every metric; confusion_matrix), with the rows and the file predicted; 'evaluation' is null "
          + "when the table has no such column.")
  Path report;

  @Option(names = "--batch-size", defaultValue = "4096", paramLabel = "ROWS",
      description = "Rows read and predicted at a time (default: ${DEFAULT-VALUE}).")
  int batchSize;

  /** Creates the command. */
  public PredictCommand() {}

  @Override
  protected int execute() throws Exception {
    PredictionFile.Format outputFormat = outputFormat();
    if (batchSize < 1) {
      throw new UsageException("--batch-size must be at least 1, got " + batchSize);
    }
    if (csvSkipRows != null && csvSkipRows < 0) {
      throw new UsageException("--csv-skip-rows must be >= 0, got " + csvSkipRows);
    }
    TrainedModel model = TrainedModel.load(run);
    CsvReading csv = csvSkipRows == null ? model.record().csv() : model.record().csv().skipping(csvSkipRows);
    Path target = out != null ? out : defaultOut(outputFormat);
    // Ctrl-C stops after the batch in progress, leaving no partial output and no temporary file.
    try (Interruption interruption = Interruption.install(() -> { })) {
      PredictionJob.Predicted predicted;
      try (BufferAllocator allocator = new RootAllocator()) {
        predicted = new PredictionJob(model, data, target, outputFormat, batchSize, keepFeatures, csv, output())
            .run(allocator, interruption::signalled);
      } catch (UsageException e) {
        if (!interruption.signalled()) {
          throw e;
        }
        say(e.getMessage()); // now: once the interruption is closed, the JVM exits
        return CommandLine.ExitCode.USAGE;
      }
      predicted.widened().forEach(out()::println);
      out().printf(Locale.ROOT, "Predicted %d rows of %s with the %s of %s (%s); wrote %s%n", predicted.rows(), data,
          model.record().model(), model.directory(), model.checkpoint().file().getFileName(), target);
      if (predicted.evaluation() != null) {
        out().print(predicted.evaluation().report(data.toString()));
      }
      if (report != null) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("data", data.toAbsolutePath().toString());
        json.put("predictions", target.toAbsolutePath().toString());
        json.put("rows", predicted.rows());
        json.put("model", model.checkpoint().file().toAbsolutePath().toString());
        json.put("evaluation", predicted.evaluation() == null ? null : predicted.evaluation().toJson());
        output().writeJson(report, json);
        out().println("Report written to " + report);
      }
      out().flush();
    }
    return 0;
  }

  /** --format, else the format --out's name says, else Arrow; a name that says another is refused. */
  private PredictionFile.Format outputFormat() {
    PredictionFile.Format named = out == null ? null : PredictionFile.Format.named(out);
    if (format == null) {
      return named != null ? named : PredictionFile.Format.ARROW;
    }
    PredictionFile.Format given = PredictionFile.Format.of(format);
    if (named != null && named != given) {
      throw new UsageException("--out " + out + " names a " + named.extension() + " file but --format is "
          + format + "; give one or the other, or make them agree");
    }
    return given;
  }

  private Path defaultOut(PredictionFile.Format outputFormat) {
    String name = data.getFileName().toString();
    // digits.csv.gz: the stem is digits, as for digits.csv.
    if (name.endsWith(".gz")) {
      name = name.substring(0, name.length() - ".gz".length());
    }
    int dot = name.lastIndexOf('.');
    String stem = dot > 0 ? name.substring(0, dot) : name;
    return data.resolveSibling(stem + ".predictions." + outputFormat.extension());
  }
}
