package io.solstice.benchmarks;

import io.solstice.benchmarks.internal.DedicatedThread;
import io.solstice.benchmarks.internal.Interleaved;
import io.solstice.benchmarks.internal.Json;
import io.solstice.benchmarks.internal.Models;
import io.solstice.benchmarks.internal.SyntheticMnist;
import io.solstice.benchmarks.internal.Timer;
import io.solstice.core.TensorBatch;
import io.solstice.core.models.MlpClassifier;
import java.util.List;

/**
 * Train steps per second of the Python original's MNIST MLP (784-300-100-10) at batch 32
 * through the engine ({@code Solstice.run(model).train(...)}), next to the same steps in a plain loop (small batches show
 * per-step overhead best).
 */
public final class SmallMlpSteps {

  /** Rows per batch. */
  public static final int BATCH = 32;

  private SmallMlpSteps() {}

  /**
   * Runs the measurement.
   *
   * @param config sizes and pair counts
   * @return {@code steps_per_second_mlp_784_300_100_10_b32} and the details
   */
  public static Json.Obj run(BenchConfig config) {
    SyntheticMnist.Data data = SyntheticMnist.generate(config.smallMlpRows(), 2, 7);
    List<TensorBatch> batches = data.batches(BATCH);
    double steps = batches.size();
    MlpClassifier[] engine = {Models.mlp(SyntheticMnist.FEATURES, 300, 100, 10)};
    MlpClassifier[] plain = {Models.mlp(SyntheticMnist.FEATURES, 300, 100, 10)};
    Interleaved.Comparison comparison;
    try (DedicatedThread loopThread = new DedicatedThread("plain-loop")) {
      comparison = Interleaved.compare(config.engineWarmupPairs(batches.size()), config.pairs(),
          () -> Timer.throughput(steps, () -> engine[0] = Models.engineEpoch(engine[0], batches)),
          loopThread.wrap(() -> Timer.throughput(steps,
              () -> plain[0] = Models.plainEpoch(plain[0], batches))));
    }
    return Json.obj()
        .put("model", "MlpClassifier 784-300-100-10, Adam(1e-3), float32")
        .put("batch", BATCH)
        .put("steps_per_epoch", batches.size())
        .put("warmup_pairs", config.engineWarmupPairs(batches.size()))
        .put("comparison", comparison.toJson(
            "Solstice.run(model).train(...)", "for loop over MlpClassifier.trainStep on one dedicated thread", "steps_per_s"))
        .put("steps_per_second_mlp_784_300_100_10_b32", comparison.summaryA().median());
  }
}
