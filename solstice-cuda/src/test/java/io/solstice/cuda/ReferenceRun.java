package io.solstice.cuda;

import io.solstice.core.TensorBatch;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.cuda.internal.FlatState;
import io.solstice.cuda.internal.HostInitializer;
import io.solstice.cuda.internal.MlpLayout;
import io.solstice.cuda.internal.StateArrays;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Runs on the CPU machine (with ND4J) and writes what the GPU check compares with: the digits
 * split as Arrow IPC files, and for each {@link CheckVariant} the losses of 100 steps of
 * {@code MlpClassifier} from the CUDA model's initial state, and its final state; then the CPU
 * accuracy of the digits run the check repeats on the GPU.
 *
 * <p>Usage: {@code ReferenceRun <output directory>}.
 */
public final class ReferenceRun {

  /** Digits run: hidden layer, epochs, seed (the split, the initial state). */
  static final int DIGITS_HIDDEN = 128;
  static final int DIGITS_EPOCHS = 30;
  static final long DIGITS_SEED = 7;
  static final double TEST_FRACTION = 0.2;

  private ReferenceRun() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    Files.createDirectories(out);
    DigitsDataset.Split split = DigitsDataset.bundled().split(TEST_FRACTION, DIGITS_SEED);
    try (BufferAllocator allocator = new RootAllocator()) {
      DigitsArrow.write(out.resolve("digits-train.arrow"), split.train(), CheckVariant.BATCH, allocator);
      DigitsArrow.write(out.resolve("digits-test.arrow"), split.test(), CheckVariant.BATCH, allocator);
    }
    List<TensorBatch> train = split.train().batches(CheckVariant.BATCH);
    List<TensorBatch> test = split.test().batches(CheckVariant.BATCH);
    for (CheckVariant variant : CheckVariant.values()) {
      int[] sizes = {DigitsDataset.FEATURES, CheckVariant.HIDDEN[0], CheckVariant.HIDDEN[1], DigitsDataset.CLASSES};
      MlpClassifier model =
          startingFrom(variant.cpu(MlpClassifier.builder().inputs(sizes[0]).hidden(CheckVariant.HIDDEN)
              .classes(sizes[3])).build(), sizes, CheckVariant.SEED);
      List<Double> losses = new ArrayList<>();
      for (int step = 0; step < CheckVariant.STEPS; step++) {
        ClassificationMetrics metrics = model.trainStep(train.get(step % train.size())).outputs();
        losses.add(metrics.lossSum() / metrics.count());
      }
      ReferenceFiles.writeLosses(ReferenceFiles.losses(out, variant), losses);
      boolean moments = model.state().contains(MlpLayout.momentName("layer0/W", "M"));
      ReferenceFiles.writeState(
          ReferenceFiles.state(out, variant),
          StateArrays.fromNamedArrays(new MlpLayout(sizes), model.state(), moments));
      System.out.printf(Locale.ROOT, "%s: loss %.6f -> %.6f%n", variant, losses.get(0), losses.get(losses.size() - 1));
    }
    int[] sizes = {DigitsDataset.FEATURES, DIGITS_HIDDEN, DigitsDataset.CLASSES};
    MlpClassifier digits =
        startingFrom(MlpClassifier.builder().inputs(sizes[0]).hidden(DIGITS_HIDDEN).classes(sizes[2]).build(),
            sizes, DIGITS_SEED);
    for (int epoch = 0; epoch < DIGITS_EPOCHS; epoch++) {
      for (TensorBatch batch : train) {
        digits.trainStep(batch);
      }
    }
    ClassificationMetrics result = ClassificationMetrics.empty(DigitsDataset.CLASSES);
    for (TensorBatch batch : test) {
      result = result.merge(digits.evalStep(batch).outputs());
    }
    double accuracy = result.compute().get("accuracy");
    Files.writeString(
        out.resolve("digits.properties"),
        String.format(Locale.ROOT, "cpuAccuracy=%.6f%ncpuLoss=%.6f%ntestRows=%d%n", accuracy,
            result.lossSum() / result.count(), result.count()));
    System.out.printf(Locale.ROOT, "digits on the CPU: accuracy %.4f over %d test images%n", accuracy, result.count());
  }

  /** The CPU model, moved to the CUDA model's initial state for this seed. */
  static MlpClassifier startingFrom(MlpClassifier model, int[] sizes, long seed) {
    MlpLayout layout = new MlpLayout(sizes);
    boolean moments = model.state().contains(MlpLayout.momentName("layer0/W", "M"));
    int n = Math.toIntExact(layout.length());
    FlatState initial =
        new FlatState(HostInitializer.initialValues(layout, seed), moments ? new float[n] : null,
            moments ? new float[n] : null, 0, 0, seed, 0);
    return model.withState(StateArrays.toNamedArrays(layout, initial));
  }
}
