package io.solstice.benchmarks.internal;

import io.solstice.core.TensorBatch;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.TrainingEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * An epoch's wall time split into the model's step calls and everything between them, for the
 * engine run and the plain loop alike: it tells a gap that the engine adds between steps (the
 * non-finite check, the stream, the events) from one in the steps themselves (the same calls
 * running slower inside the engine).
 *
 * <p>The engine's step time is its own measurement, {@link TrainingEvent.Timings#step()} of each
 * {@code StepEnded} (read by a synchronous subscriber); the plain loop takes {@code
 * System.nanoTime()} around each call the same way.
 */
public final class StepSplit {

  private final List<Double> stepNanos = new ArrayList<>();
  private final List<Double> betweenNanosPerStep = new ArrayList<>();
  private long epochStepNanos;

  /**
   * One engine run of one epoch, recorded.
   *
   * @param model the model, updated in place
   * @param batches the epoch's batches
   * @return the trained model
   */
  public MlpClassifier engineEpoch(MlpClassifier model, List<TensorBatch> batches) {
    epochStepNanos = 0;
    long start = System.nanoTime();
    MlpClassifier trained = Models.engineEpochs(model, batches, 1, run -> run.subscribers(event -> {
      if (event instanceof TrainingEvent.StepEnded<?, ?> step) {
        epochStepNanos += step.timings().step();
      }
    }));
    record(System.nanoTime() - start, batches.size());
    return trained;
  }

  /**
   * One epoch of the plain loop ({@link Models#plainEpoch}), each call timed, recorded.
   *
   * @param model the model, updated in place
   * @param batches the epoch's batches
   * @return the trained model
   */
  public MlpClassifier plainEpoch(MlpClassifier model, List<TensorBatch> batches) {
    epochStepNanos = 0;
    long start = System.nanoTime();
    MlpClassifier current = model;
    for (TensorBatch batch : batches) {
      long stepStart = System.nanoTime();
      current = current.trainStep(batch).experiment();
      epochStepNanos += System.nanoTime() - stepStart;
    }
    record(System.nanoTime() - start, batches.size());
    return current;
  }

  private void record(long epochNanos, int steps) {
    stepNanos.add((double) epochStepNanos);
    betweenNanosPerStep.add((double) (epochNanos - epochStepNanos) / steps);
  }

  /** Forgets the epochs recorded so far (the warm-up's). */
  public void clear() {
    stepNanos.clear();
    betweenNanosPerStep.clear();
  }

  /**
   * The time between two step calls, per step, over the recorded epochs.
   *
   * @return microseconds per step: median, min, max
   */
  public Summary betweenStepsMicros() {
    return Summary.of(betweenNanosPerStep.stream().mapToDouble(nanos -> nanos / 1e3).toArray());
  }

  /**
   * The epochs' step time of {@code other} over this one's, epoch by epoch in recording order
   * (the pairs of an interleaved comparison): above 1 when this side's step calls are faster.
   *
   * @param other the other side, with as many epochs recorded
   * @return the ratio per pair: median, min, max
   */
  public Summary stepTimeRatio(StepSplit other) {
    if (other.stepNanos.size() != stepNanos.size()) {
      throw new IllegalArgumentException("the two sides recorded " + stepNanos.size() + " and "
          + other.stepNanos.size() + " epochs");
    }
    double[] ratios = new double[stepNanos.size()];
    for (int i = 0; i < ratios.length; i++) {
      ratios[i] = other.stepNanos.get(i) / stepNanos.get(i);
    }
    return Summary.of(ratios);
  }
}
