package io.solstice.benchmarks;

import io.solstice.benchmarks.internal.CountedBatch;
import io.solstice.benchmarks.internal.Json;
import io.solstice.benchmarks.internal.SpinExperiment;
import io.solstice.benchmarks.internal.Timer;
import io.solstice.reactive.Solstice;
import reactor.core.publisher.Flux;

/**
 * Backpressure: a source 100 times faster than the step (it spins C/100 per batch, the step C)
 * and a prefetch of P batches. The most batches alive at once (created by the source and not
 * yet closed by the engine) must stay at or below P + 2 however fast the source is.
 */
public final class InflightBenchmark {

  /** The prefetch reported as the headline. */
  public static final int PREFETCH = 4;

  /** The step's busy time. */
  static final long STEP_NANOS = 2_000_000;

  private InflightBenchmark() {}

  /**
   * Runs prefetch 1, {@value #PREFETCH} and 16.
   *
   * @param config the batch count per run
   * @return {@code inflight_batches_max} and {@code prefetch} for {@value #PREFETCH}, and the
   *     other prefetches
   */
  public static Json.Obj run(BenchConfig config) {
    Json.Obj byPrefetch = Json.obj();
    int headline = -1;
    for (int prefetch : new int[] {1, PREFETCH, 16}) {
      int max = maxAlive(config.inflightBatches(), prefetch);
      byPrefetch.put("P" + prefetch, max);
      if (prefetch == PREFETCH) {
        headline = max;
      }
    }
    return Json.obj()
        .put("batches_per_run", config.inflightBatches())
        .put("step_ms", STEP_NANOS / 1e6)
        .put("source_ms_per_batch", STEP_NANOS / 100 / 1e6)
        .put("max_alive_by_prefetch", byPrefetch)
        .put("inflight_batches_max", headline)
        .put("prefetch", PREFETCH);
  }

  /** One run; returns the most batches alive at once. */
  static int maxAlive(int batches, int prefetch) {
    CountedBatch.Census census = new CountedBatch.Census();
    Flux<CountedBatch> source = Flux.<CountedBatch, Long>generate(() -> 0L, (i, sink) -> {
      if (i == batches) {
        sink.complete();
        return i;
      }
      Timer.spin(STEP_NANOS / 100);
      sink.next(new CountedBatch(i, census));
      return i + 1;
    });
    Solstice.run(new SpinExperiment(STEP_NANOS)).train(source).prefetch(prefetch).block();
    if (census.alive() != 0) {
      throw new IllegalStateException(census.alive() + " batches were never closed by the engine");
    }
    return census.max();
  }
}
