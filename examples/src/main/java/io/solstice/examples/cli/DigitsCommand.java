package io.solstice.examples.cli;

import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.FeatureSpec;
import io.solstice.arrow.ReadOptions;
import io.solstice.arrow.Split;
import io.solstice.core.data.DigitsDataset;
import io.solstice.examples.data.LabeledArrowFile;
import io.solstice.examples.data.UsageException;
import io.solstice.examples.job.ClassificationTask;
import io.solstice.examples.job.JobData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.arrow.memory.BufferAllocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code solstice digits}: the first job to run. Splits the bundled UCI handwritten digits
 * (1,797 8x8 images) into train, validation and test with a fixed seed, writes each as an Arrow
 * IPC file, trains an MLP on them through the reactive engine and prints a per-class report.
 * Its pixels share one scale, so it trains on them as they are (no standardization).
 */
@Command(
    name = "digits",
    mixinStandardHelpOptions = true,
    defaultValueProvider = DigitsCommand.Defaults.class,
    description = {
        // One string per paragraph: picocli wraps each to the terminal's width.
        "Train an MLP on the bundled handwritten digits (UCI, 1,797 8x8 images) end to end: Arrow IPC files, "
            + "reactive training with early stopping and checkpoints, a per-class report, learning curves "
            + "(<work-dir>/curves.png) and metrics (<work-dir>/metrics.csv).",
        ""
    })
public final class DigitsCommand extends TrainingCommand {

  @Option(names = "--hidden", split = ",", defaultValue = "128",
      description = "Hidden layer sizes, comma-separated (default: ${DEFAULT-VALUE}).")
  int[] hidden;

  @Option(names = "--test-fraction", defaultValue = "0.2",
      description = "Fraction of the images kept for the test report (default: ${DEFAULT-VALUE}).")
  double testFraction;

  @Option(names = "--val-fraction", defaultValue = "0.1",
      description = "Fraction of the remaining images used for validation (default: ${DEFAULT-VALUE}).")
  double valFraction;

  /** Creates the command. */
  public DigitsCommand() {}

  /** The digits run's tried defaults: 30 epochs of batches of 64 at 3e-3, patience 5, no decay. */
  static final class Defaults extends OptionDefaults {
    Defaults() {
      super(Map.of("--epochs", "30", "--batch-size", "64", "--lr", "3e-3", "--patience", "5", "--weight-decay", "0"));
    }
  }

  @Override
  Path defaultWorkDir() {
    return Path.of("runs", "digits");
  }

  private DigitsDataset.Split split(DigitsDataset data, double fraction, String option) {
    try {
      return data.split(fraction, seed);
    } catch (IllegalArgumentException e) {
      throw new UsageException(option + ": " + e.getMessage());
    }
  }

  @Override
  int[] hidden() {
    check(Arrays.stream(hidden).allMatch(size -> size > 0), "--hidden sizes must be positive, got "
        + Arrays.stream(hidden).mapToObj(String::valueOf).collect(Collectors.joining(",")));
    return hidden;
  }

  @Override
  JobData prepare(BufferAllocator allocator) throws Exception {
    check(testFraction > 0 && testFraction < 1, "--test-fraction must be in (0, 1)");
    check(valFraction > 0 && valFraction < 1, "--val-fraction must be in (0, 1)");
    DigitsDataset.Split first = split(DigitsDataset.bundled(), testFraction, "--test-fraction");
    DigitsDataset.Split second = split(first.train(), valFraction, "--val-fraction");
    Map<Split, DigitsDataset> parts = new EnumMap<>(Map.of(
        Split.TRAIN, second.train(), Split.VALIDATION, second.test(), Split.TEST, first.test()));
    int batch = sizing(second.train().size()).batchSize();
    Map<Split, Path> files = new EnumMap<>(Split.class);
    for (Map.Entry<Split, DigitsDataset> part : parts.entrySet()) {
      Path file = workDir().resolve("data").resolve(part.getKey().label() + ".arrow");
      try (var rows = part.getValue().asBatch()) {
        LabeledArrowFile.write(rows, file, batch, allocator, output());
      }
      files.put(part.getKey(), file);
    }
    out().printf(Locale.ROOT, "Digits: %d train, %d validation, %d test images as Arrow IPC files in %s%n",
        second.train().size(), second.test().size(), first.test().size(), workDir().resolve("data"));
    FeatureSpec spec = FeatureSpec.builder()
        .features(LabeledArrowFile.FEATURES).width(DigitsDataset.FEATURES)
        .label(LabeledArrowFile.LABEL).numClasses(DigitsDataset.CLASSES)
        .build();
    ReadOptions options = ReadOptions.builder().batchSize(batch).build();
    List<String> classNames = new ArrayList<>();
    for (int k = 0; k < DigitsDataset.CLASSES; k++) {
      classNames.add(Integer.toString(k));
    }
    return new JobData(
        (split, firstEpoch) -> ArrowSources.ipcFile(files.get(split), allocator, options).map(spec::toTensors),
        second.train().size(), DigitsDataset.FEATURES, new ClassificationTask(LabeledArrowFile.LABEL, classNames, null), "test",
        Map.of("features", List.of(LabeledArrowFile.FEATURES)), null);
  }
}
