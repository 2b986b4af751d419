package io.solstice.reactive;

import io.solstice.core.RunPosition;

/**
 * Saves a checkpoint at the cadence set by {@link TrainOptions.Builder#checkpointEvery}. Called
 * on the training thread between steps, so the experiment is consistent; the position is the
 * one to pass to {@link TrainOptions.Builder#resumeFrom} to continue after this step.
 */
@FunctionalInterface
public interface CheckpointHook {

  /**
   * Saves the experiment and the position. An exception fails the run.
   *
   * @param experiment the current experiment (of the run's experiment type)
   * @param position the loop counters after the last train step
   * @throws Exception when saving fails
   */
  void save(Object experiment, RunPosition position) throws Exception;
}
