package io.solstice.examples.cli;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.CorruptIpcException;
import io.solstice.arrow.FeatureSpec;
import io.solstice.arrow.ReadOptions;
import io.solstice.examples.data.DataFormat;
import io.solstice.examples.data.HoldOut;
import io.solstice.examples.data.TableLayout;
import io.solstice.examples.data.TableSurvey;
import io.solstice.examples.job.JobData;
import io.solstice.examples.job.Split;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reactor.core.publisher.Flux;

/**
 * {@code solstice train}: trains an MLP classifier on a user's Arrow IPC file, Arrow IPC stream
 * or Parquet file, holding out whole batches (chosen with a fixed seed) for validation and test.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
        "Train an MLP classifier on an Arrow IPC file, Arrow IPC stream or Parquet file.",
        "Features default to every numeric column but the label (a FixedSizeList<float> column is a vector);",
        "labels may be integers or strings, plain or dictionary-encoded."
    })
public final class TrainCommand extends ClassifierCommand {

  @Option(names = "--data", required = true, paramLabel = "PATH",
      description = "The table: an Arrow IPC file or stream, a Parquet file or a directory of Parquet files.")
  Path data;

  @Option(names = "--label", required = true, paramLabel = "COLUMN", description = "The class label column.")
  String label;

  @Option(names = "--features", split = ",", paramLabel = "COLUMNS",
      description = "Feature columns, comma-separated (default: every numeric column but the label).")
  List<String> features = List.of();

  @Option(names = "--model", defaultValue = "mlp:128", paramLabel = "mlp:SIZES",
      description = "The model: mlp with hidden layer sizes, e.g. mlp:256,128 (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--val-fraction", defaultValue = "0.2",
      description = "Fraction of the batches held out for validation (default: ${DEFAULT-VALUE}).")
  double valFraction;

  @Option(names = "--test-fraction", defaultValue = "0.2",
      description = "Fraction of the batches held out for the final report; 0 reports on the validation batches "
          + "(default: ${DEFAULT-VALUE}).")
  double testFraction;

  @Option(names = "--work-dir", defaultValue = "runs/train",
      description = "Where metrics.csv and curves.png go (default: ${DEFAULT-VALUE}).")
  Path workDir;

  @Option(names = "--checkpoint-dir", paramLabel = "DIR",
      description = "Where checkpoints go (default: <work-dir>/checkpoints).")
  Path checkpointDir;

  /** Creates the command. */
  public TrainCommand() {}

  @Override
  Path workDir() {
    return resolve(workDir);
  }

  @Override
  Path checkpointDir() {
    return checkpointDir == null ? workDir().resolve("checkpoints") : resolve(checkpointDir);
  }

  @Override
  int[] hidden() {
    String prefix = "mlp:";
    if (!model.startsWith(prefix)) {
      throw new UsageException("--model must look like mlp:256,128 (an MLP and its hidden layer sizes), got " + model);
    }
    try {
      int[] sizes = Arrays.stream(model.substring(prefix.length()).split(",")).mapToInt(s -> Integer.parseInt(s.trim()))
          .toArray();
      check(Arrays.stream(sizes).allMatch(s -> s > 0), "--model layer sizes must be positive, got " + model);
      return sizes;
    } catch (NumberFormatException e) {
      throw new UsageException("--model must look like mlp:256,128, got " + model);
    }
  }

  @Override
  JobData prepare() {
    hidden();
    Path path = resolve(data);
    DataFormat format = DataFormat.detect(path);
    TableLayout layout;
    BufferAllocator allocator = new RootAllocator();
    try {
      layout = TableSurvey.survey(path, format, label, features, batchSize, allocator);
    } catch (CorruptIpcException e) {
      throw new CorruptIpcException(e.column(), "cannot read " + path + " as an Arrow IPC file, Arrow IPC stream or "
          + "Parquet file: " + e.getMessage(), e);
    } finally {
      allocator.close();
    }
    HoldOut holdOut = HoldOut.of(layout.batches(), valFraction, testFraction, seed);
    out().printf(Locale.ROOT, "%s (%s): %d rows in %d batches; features %s (%d per row); label '%s' with classes %s%n",
        path, format, layout.rows(), layout.batches(), layout.features(), layout.width(), label, layout.classNames());
    out().printf(Locale.ROOT, "Hold-out by batch (seed %d): %d train, %d validation, %d test batches%n",
        seed, holdOut.count(Split.TRAIN), holdOut.count(Split.VAL), holdOut.count(Split.TEST));
    FeatureSpec spec = layout.featureSpec();
    ReadOptions options = ReadOptions.builder().batchSize(batchSize).build();
    boolean separateTest = holdOut.count(Split.TEST) > 0;
    return new JobData(
        (split, alloc) -> select(format.open(path, alloc, options), holdOut,
            split == Split.TEST && !separateTest ? Split.VAL : split).map(spec::toTensors),
        layout.width(), layout.classNames(), separateTest ? "held-out test" : "validation");
  }

  /** The batches of one split; the others are closed as they pass. */
  private static Flux<ArrowBatch> select(Flux<ArrowBatch> batches, HoldOut holdOut, Split split) {
    return Flux.defer(() -> {
      long[] index = {0};
      return batches.handle((batch, sink) -> {
        if (holdOut.roleOf(index[0]++) == split) {
          sink.next(batch);
        } else {
          batch.close();
        }
      });
    });
  }
}
