package io.solstice.benchmarks.internal;

import io.solstice.core.TensorBatch;
import io.solstice.core.models.MlpClassifier;
import java.util.List;

/**
 * The Java side of the comparison with PyTorch, run in a JVM of its own so that {@code
 * OMP_NUM_THREADS} (read once at start-up) can differ per run: trains the same two MLPs as
 * {@code benchmarks/pytorch_mlp.py} through the engine, one engine run per epoch ({@link
 * Models#engineEpoch}), and prints one JSON object shaped like the script's.
 *
 * <pre>
 * EngineMlpThroughput ROWS_B128 ROWS_B32 WARMUP_EPOCHS TIMED_EPOCHS
 * </pre>
 */
public final class EngineMlpThroughput {

  /** The report's key for MLP 784-256-10 at batch 128 (the script uses the same keys). */
  public static final String WIDE = "784_256_10_b128";

  /** The report's key for MLP 784-300-100-10 at batch 32. */
  public static final String DEEP = "784_300_100_10_b32";

  private EngineMlpThroughput() {}

  /**
   * Measures both shapes and prints the report on stdout.
   *
   * @param args rows per epoch at batch 128, rows per epoch at batch 32, warm-up epochs, timed
   *     epochs
   */
  public static void main(String[] args) {
    int rowsWide = Integer.parseInt(args[0]);
    int rowsDeep = Integer.parseInt(args[1]);
    int warmup = Integer.parseInt(args[2]);
    int epochs = Integer.parseInt(args[3]);
    Json.Obj report = Json.obj()
        .put("framework", "Solstice engine: Solstice.run(model).train(Flux.fromIterable(batches))")
        .put("omp_num_threads", MachineInfo.ompThreads())
        .put("warmup_epochs", warmup)
        .put("timed_epochs", epochs)
        .put(WIDE, measure(new int[] {256, 10}, 128, rowsWide, warmup, epochs))
        .put(DEEP, measure(new int[] {300, 100, 10}, 32, rowsDeep, warmup, epochs));
    System.out.println(report);
  }

  private static Json.Obj measure(int[] hiddenAndClasses, int batch, int rows, int warmup,
      int epochs) {
    List<TensorBatch> batches = SyntheticMnist.generate(rows, 1, 7).batches(batch);
    double samples = (double) batches.size() * batch;
    MlpClassifier[] model = {Models.mlp(SyntheticMnist.FEATURES, hiddenAndClasses)};
    Summary samplesPerS = Interleaved.measure(warmup, epochs,
        () -> Timer.throughput(samples, () -> model[0] = Models.engineEpoch(model[0], batches)));
    return Json.obj()
        .put("batch", batch)
        .put("steps_per_epoch", batches.size())
        .put("samples_per_s", samplesPerS.toJson())
        .put("steps_per_s", new Summary(samplesPerS.median() / batch, samplesPerS.min() / batch,
            samplesPerS.max() / batch, samplesPerS.count()).toJson());
  }
}
