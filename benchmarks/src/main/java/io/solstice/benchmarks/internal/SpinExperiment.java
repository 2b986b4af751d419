package io.solstice.benchmarks.internal;

import io.solstice.core.Experiment;
import io.solstice.core.Step;

/**
 * An experiment whose step busy-spins for a fixed time and does nothing else: a stand-in for
 * compute of a known cost, so the engine's overlap and backpressure can be measured apart
 * from any model.
 */
public final class SpinExperiment
    implements Experiment<SpinExperiment, CountedBatch, Long> {

  private final long stepNanos;

  /**
   * An experiment whose steps each take {@code stepNanos}.
   *
   * @param stepNanos the busy time of one step
   */
  public SpinExperiment(long stepNanos) {
    this.stepNanos = stepNanos;
  }

  @Override
  public Step<SpinExperiment, Long> trainStep(CountedBatch batch) {
    return Step.of(this, Timer.spin(stepNanos) + batch.index());
  }

  @Override
  public Step<SpinExperiment, Long> evalStep(CountedBatch batch) {
    return trainStep(batch);
  }
}
