package io.solstice.benchmarks;

import io.solstice.benchmarks.internal.CountedBatch;
import io.solstice.benchmarks.internal.Interleaved;
import io.solstice.benchmarks.internal.Json;
import io.solstice.benchmarks.internal.QueuePipeline;
import io.solstice.benchmarks.internal.SpinExperiment;
import io.solstice.benchmarks.internal.Summary;
import io.solstice.benchmarks.internal.Timer;
import io.solstice.reactive.Solstice;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Flux;

/**
 * Whether reading overlaps compute: a source that takes L ms per batch (sleeping, like I/O)
 * feeds a step that busy-spins C ms. Without overlap a batch costs L + C; with perfect overlap
 * max(L, C). The efficiency is the measured batches/s times max(L, C): 1.0 is perfect overlap,
 * 0.5 (for L = C) none at all.
 */
public final class OverlapBenchmark {

  // The engine's default prefetch, set explicitly on both sides so that they compare alike.
  private static final int PREFETCH = 4;

  private OverlapBenchmark() {}

  /**
   * Runs L = C, and L = 2C and C = 2L for context.
   *
   * @param config the batch count and L = C in ms
   * @return {@code overlap_efficiency} (for L = C) and the details
   */
  public static Json.Obj run(BenchConfig config) {
    int ms = config.overlapMillis();
    Json.Obj cases = Json.obj();
    double main = 0;
    for (int[] lc : new int[][] {{ms, ms}, {2 * ms, ms}, {ms, 2 * ms}}) {
      Summary efficiency = measure(config, lc[0], lc[1]);
      cases.put("L" + lc[0] + "ms_C" + lc[1] + "ms", efficiency.toJson());
      if (lc[0] == lc[1]) {
        main = efficiency.median();
      }
    }
    // The engine against a hand-written two-thread BlockingQueue pipeline at L = C, interleaved:
    // the pipeline's efficiency is what this machine's scheduler allows.
    double bound = ms / 1000.0;
    int batches = config.overlapBatches();
    Interleaved.Comparison versusQueue = Interleaved.compare(1, config.pairs(),
        () -> bound * Timer.throughput(batches, () -> runEngine(batches, ms, ms)),
        () -> bound * Timer.throughput(batches,
            () -> QueuePipeline.run(batches, ms, ms, PREFETCH)));
    return Json.obj()
        .put("batches_per_run", config.overlapBatches())
        .put("source", "Flux.generate sleeping L ms per batch")
        .put("step", "busy spin of C ms")
        .put("efficiency_by_case", cases)
        .put("engine_vs_blocking_queue_pipeline", versusQueue.toJson("Solstice.run(spin).train(source)",
            "hand-written reader thread + ArrayBlockingQueue(prefetch) + spinning consumer",
            "efficiency"))
        .put("engine_over_queue_pipeline", versusQueue.ratio().median())
        .put("overlap_efficiency", main);
  }

  private static Summary measure(BenchConfig config, int sourceMs, int stepMs) {
    int batches = config.overlapBatches();
    double bound = Math.max(sourceMs, stepMs) / 1000.0;
    return Interleaved.measure(1, config.pairs(),
        () -> bound * Timer.throughput(batches, () -> runEngine(batches, sourceMs, stepMs)));
  }

  /** One run of the engine over the sleeping source and the spinning step. */
  static void runEngine(int batches, int sourceMs, int stepMs) {
    CountedBatch.Census census = new CountedBatch.Census();
    Flux<CountedBatch> source = Flux.<CountedBatch, Long>generate(() -> 0L, (i, sink) -> {
      if (i == batches) {
        sink.complete();
        return i;
      }
      sleep(sourceMs);
      sink.next(new CountedBatch(i, census));
      return i + 1;
    });
    Solstice.run(new SpinExperiment(TimeUnit.MILLISECONDS.toNanos(stepMs))).train(source)
        .prefetch(PREFETCH)
        .block();
  }

  private static void sleep(int ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while simulating source latency", e);
    }
  }
}
