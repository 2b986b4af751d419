package io.solstice.core.testing;

import io.solstice.core.Experiment;
import io.solstice.core.Step;
import io.solstice.core.metrics.MeanMetric;
import java.util.List;
import java.util.stream.IntStream;

/**
 * An experiment whose step outputs are the step's own number per mode ({@code x}), so a merged
 * window's mean tells exactly which steps it covered.
 */
public final class CountingExperiment implements Experiment<CountingExperiment, Integer, MeanMetric> {

  private long trainSteps;
  private long evalSteps;

  /**
   * Batches 0..n-1 (their values are not used).
   *
   * @param n how many
   * @return the batches
   */
  public static List<Integer> batches(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  @Override
  public Step<CountingExperiment, MeanMetric> trainStep(Integer batch) {
    return Step.of(this, MeanMetric.of("x", trainSteps++));
  }

  @Override
  public Step<CountingExperiment, MeanMetric> evalStep(Integer batch) {
    return Step.of(this, MeanMetric.of("x", evalSteps++));
  }
}
