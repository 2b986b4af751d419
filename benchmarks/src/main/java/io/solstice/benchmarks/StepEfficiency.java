package io.solstice.benchmarks;

import io.solstice.benchmarks.internal.DedicatedThread;
import io.solstice.benchmarks.internal.Interleaved;
import io.solstice.benchmarks.internal.Json;
import io.solstice.benchmarks.internal.Models;
import io.solstice.benchmarks.internal.StepGemms;
import io.solstice.benchmarks.internal.Summary;
import io.solstice.benchmarks.internal.SyntheticMnist;
import io.solstice.benchmarks.internal.Timer;
import io.solstice.core.TensorBatch;
import io.solstice.core.models.MlpClassifier;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How close a train step comes to the machine's matrix-multiply rate: a plain loop of {@link
 * MlpClassifier#trainStep} against only the step's own gemms ({@link StepGemms}: OpenBLAS SGEMM
 * called as the step calls it, through {@code HostGemm}, at the same shapes on preallocated
 * float32 arrays), interleaved on one dedicated thread. The step's effective GFLOP/s counts
 * only its gemms' FLOPs, so {@code step_flops_vs_sgemm} (step GFLOP/s over SGEMM GFLOP/s,
 * which is gemm-only time over step time) is the share of the step
 * spent in matrix multiplication at SGEMM's speed; the rest is activations, loss, optimizer and
 * per-op overhead. Measured for MLP 784-256-10 at batch 128 and 784-300-100-10 at batch 32,
 * with square SGEMMs (256^3, 1024^3) for reference.
 */
public final class StepEfficiency {

  private static final int SQUARE_SMALL = 256;
  private static final int SQUARE_LARGE = 1024;

  private StepEfficiency() {}

  /**
   * Runs the measurement.
   *
   * @param config sizes and pair counts
   * @return {@code step_flops_vs_sgemm_784_256_10_b128}, {@code
   *     step_flops_vs_sgemm_784_300_100_10_b32} and the details
   */
  public static Json.Obj run(BenchConfig config) {
    Json.Obj out = Json.obj();
    try (DedicatedThread thread = new DedicatedThread("plain-loop")) {
      Json.Obj wide = shape(new int[] {SyntheticMnist.FEATURES, 256, 10}, TrainOverhead.BATCH,
          config.trainRows(), config, thread);
      Json.Obj deep = shape(new int[] {SyntheticMnist.FEATURES, 300, 100, 10},
          SmallMlpSteps.BATCH, config.smallMlpRows(), config, thread);
      int runs = Math.max(3, Math.min(7, config.pairs()));
      Summary small = Interleaved.measure(1, runs,
          thread.wrap(StepGemms.squareGflops(SQUARE_SMALL, 200)));
      Summary large = Interleaved.measure(1, runs,
          thread.wrap(StepGemms.squareGflops(SQUARE_LARGE, 8)));
      out.put("mlp_784_256_10_b128", wide)
          .put("mlp_784_300_100_10_b32", deep)
          .put("sgemm_gflops_256_cubed", small.toJson())
          .put("sgemm_gflops_1024_cubed", large.toJson())
          .put("step_flops_vs_sgemm_784_256_10_b128", wide.get("step_flops_vs_sgemm"))
          .put("step_flops_vs_sgemm_784_300_100_10_b32", deep.get("step_flops_vs_sgemm"))
          .put("sgemm_gflops_256", small.median())
          .put("sgemm_gflops_1024", large.median());
    }
    return out;
  }

  private static Json.Obj shape(int[] sizes, int batch, int rows, BenchConfig config,
      DedicatedThread thread) {
    List<TensorBatch> batches = SyntheticMnist.generate(rows, 3, 7).batches(batch);
    double steps = batches.size();
    int[] hiddenAndClasses = java.util.Arrays.copyOfRange(sizes, 1, sizes.length);
    MlpClassifier[] model = {Models.mlp(sizes[0], hiddenAndClasses)};
    StepGemms gemms = StepGemms.forMlp(sizes, batch);
    // Twice the usual pairs: both contenders are short, and the median of their pair ratios
    // needs more pairs to settle on a machine that others load. Warm-up as long as an engine
    // run's, for the JIT: after 10 warm-up pairs, the 11th measured pair of the batch-32 step
    // read 0.43-0.56 in all ten runs at two threads, where its neighbours read about 0.7 at
    // the machine's full speed.
    int warmupPairs = config.engineWarmupPairs(batches.size());
    Interleaved.Comparison comparison = Interleaved.compare(warmupPairs, 2 * config.pairs(),
        thread.wrap(() -> Timer.throughput(steps, () -> model[0] = Models.plainEpoch(model[0], batches))),
        thread.wrap(() -> Timer.throughput(steps, () -> {
          for (TensorBatch b : batches) {
            gemms.run(b.features());
          }
        })));
    // Each gemm alone, on the same thread: which of the step's shapes SGEMM itself runs slowly.
    AtomicReference<List<Json.Obj>> byGemm = new AtomicReference<>();
    thread.wrap(() -> {
      byGemm.set(gemms.gflopsByGemm(batches.get(0).features(), 20, 5));
      return 0;
    }).getAsDouble();
    Json.Obj parts = stepParts(model[0], batches, Math.max(3, config.pairs()), thread)
        .put("gemms_us_per_step", 1e6 / comparison.summaryB().median());
    double gflopPerStep = gemms.flops() / 1e9;
    return Json.obj()
        .put("model", "MlpClassifier " + join(sizes) + ", Adam(1e-3), float32")
        .put("batch", batch)
        .put("steps_per_epoch", batches.size())
        .put("warmup_pairs", warmupPairs)
        .put("gemms_m_n_k", gemms.shapes(batch, sizes[0]))
        .put("flops_per_step", gemms.flops())
        .put("flops_per_sample", (double) gemms.flops() / batch)
        .put("sgemm_gflops_by_gemm", byGemm.get())
        .put("step_parts", parts)
        .put("comparison", comparison.toJson(
            "for loop over MlpClassifier.trainStep on one dedicated thread",
            "only the step's gemms (HostGemm: OpenBLAS sgemm, same shapes, preallocated float32)", "steps_per_s"))
        .put("step_gflops", comparison.summaryA().median() * gflopPerStep)
        .put("sgemm_gflops_at_step_shapes", comparison.summaryB().median() * gflopPerStep)
        .put("step_flops_vs_sgemm", comparison.ratio().median());
  }

  /**
   * Where a step's time goes: its gradients (forward pass, loss, backward pass) and its update,
   * timed apart for every batch of an epoch, microseconds per step, medians over epochs. Set
   * against the gemms alone, what is left of the gradients is the step's other code, and the
   * update is the optimizer with the memory traffic it meets inside a step.
   */
  private static Json.Obj stepParts(MlpClassifier model, List<TensorBatch> batches, int epochs,
      DedicatedThread thread) {
    double[] gradientsUs = new double[epochs];
    double[] updateUs = new double[epochs];
    thread.wrap(() -> {
      for (int e = 0; e < epochs; e++) {
        long gradients = 0;
        long update = 0;
        for (TensorBatch batch : batches) {
          long start = System.nanoTime();
          model.gradients(batch.features(), batch.labels());
          long between = System.nanoTime();
          model.optimizer().step();
          update += System.nanoTime() - between;
          gradients += between - start;
        }
        gradientsUs[e] = gradients / 1e3 / batches.size();
        updateUs[e] = update / 1e3 / batches.size();
      }
      return 0;
    }).getAsDouble();
    return Json.obj()
        .put("gradients_us_per_step", Summary.of(gradientsUs).toJson())
        .put("update_us_per_step", Summary.of(updateUs).toJson());
  }

  private static String join(int[] sizes) {
    StringBuilder out = new StringBuilder();
    for (int size : sizes) {
      out.append(out.length() == 0 ? "" : "-").append(size);
    }
    return out.toString();
  }
}
