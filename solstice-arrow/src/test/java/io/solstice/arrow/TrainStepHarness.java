package io.solstice.arrow;

import io.solstice.core.Experiment;
import io.solstice.core.Step;
import io.solstice.reactive.RunControl;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;
import reactor.core.publisher.Flux;

/**
 * Drives an Arrow source through the real engine ({@link Solstice#run}): batches become
 * tensors, each runs one train step on the engine's step thread with a bounded prefetch, and
 * the engine closes every tensor batch (and the Arrow batch it owns) after its step, or when a
 * run is cancelled or fails.
 *
 * <p>When {@link #train} returns, the run has released everything: a run that completed or
 * failed is quiescent when its publisher terminates, and a cancelled one is awaited through
 * {@link RunControl#terminated()}. A test may close its allocator right after.
 */
final class TrainStepHarness {
  static final int PREFETCH = 2;

  private TrainStepHarness() {}

  /** An experiment whose train step is a plain function of the batch; it keeps no state. */
  private record FunctionExperiment<O>(Function<ArrowTensorBatch, O> step)
      implements Experiment<FunctionExperiment<O>, ArrowTensorBatch, O> {
    @Override
    public Step<FunctionExperiment<O>, O> trainStep(ArrowTensorBatch batch) {
      return Step.of(this, step.apply(batch));
    }

    @Override
    public Step<FunctionExperiment<O>, O> evalStep(ArrowTensorBatch batch) {
      return trainStep(batch);
    }
  }

  /** Runs one step per batch and returns each step's output, in order. */
  static <O> List<O> train(Flux<ArrowBatch> source, FeatureSpec spec, Function<ArrowTensorBatch, O> step) {
    return train(source, spec, step, Integer.MAX_VALUE);
  }

  /**
   * Like {@link #train} but cancels the run after {@code steps} steps, then waits for the run to
   * release its batches and sources (cancelling does not wait).
   */
  static <O> List<O> train(
      Flux<ArrowBatch> source, FeatureSpec spec, Function<ArrowTensorBatch, O> step, int steps) {
    AtomicReference<RunControl> run = new AtomicReference<>();
    try {
      return Solstice.run(new FunctionExperiment<>(step))
          .train(source.map(spec::toTensors))
          .prefetch(PREFETCH)
          .events()
          .doOnNext(event -> run.compareAndSet(null, event.run()))
          .<O>handle((event, sink) -> {
            if (event instanceof TrainingEvent.StepEnded<FunctionExperiment<O>, O> ended) {
              sink.next(ended.outputs());
            }
          })
          .take(steps)
          .collectList()
          .block(Duration.ofSeconds(60));
    } finally {
      RunControl started = run.get();
      if (started != null) {
        started.terminated().block(Duration.ofSeconds(60));
      }
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
