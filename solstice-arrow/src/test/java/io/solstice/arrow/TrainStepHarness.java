package io.solstice.arrow;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Consumes a source the way the engine's train step does, until the engine
 * ({@code io.solstice.reactive.Solstice.train}) is merged: the source is read on
 * boundedElastic, batches cross to one dedicated step thread through {@code publishOn} with a
 * bounded prefetch, each batch becomes tensors and runs one step, and the tensors (with the
 * Arrow batch they own) are closed right after the step. Dropped batches are closed through
 * the discard hook and, after the run, by a {@link LiveBatches} sweep on the step thread.
 */
final class TrainStepHarness {
  static final int PREFETCH = 2;

  private TrainStepHarness() {}

  /** Runs one step per batch and returns each step's output, in order. */
  static <O> List<O> train(Flux<ArrowBatch> source, FeatureSpec spec, Function<ArrowTensorBatch, O> step) {
    return run(source, spec, step, Integer.MAX_VALUE);
  }

  /** Like {@link #train} but cancels the run after {@code steps} steps. */
  static <O> List<O> train(Flux<ArrowBatch> source, FeatureSpec spec, Function<ArrowTensorBatch, O> step, int steps) {
    return run(source, spec, step, steps);
  }

  private static <O> List<O> run(Flux<ArrowBatch> source, FeatureSpec spec, Function<ArrowTensorBatch, O> step, long steps) {
    Scheduler stepThread = Schedulers.newSingle("train-step");
    LiveBatches live = new LiveBatches();
    try {
      return live.track(source.subscribeOn(Schedulers.boundedElastic()))
          .publishOn(stepThread, PREFETCH)
          .map(batch -> {
            try (ArrowTensorBatch tensors = spec.toTensors(batch)) {
              return step.apply(tensors);
            }
          })
          .take(steps)
          .doOnDiscard(ArrowBatch.class, ArrowBatch::close)
          .collectList()
          .block(Duration.ofSeconds(60));
    } finally {
      Mono.fromRunnable(live::closeAll).subscribeOn(stepThread).block(Duration.ofSeconds(10));
      stepThread.dispose();
    }
  }

  /** The ids of a batch's rows, read back from the pixels (pixel 0 of row id is id * 10). */
  static long[] ids(INDArray features) {
    long[] ids = new long[(int) features.size(0)];
    for (int r = 0; r < ids.length; r++) {
      ids[r] = Math.round(features.getDouble(r, 0) / 10);
    }
    return ids;
  }
}
