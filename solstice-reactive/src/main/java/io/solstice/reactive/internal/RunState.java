package io.solstice.reactive.internal;

import io.solstice.core.Mode;
import io.solstice.core.RunPosition;

/**
 * The loop counters and the current experiment of one run. Confined to the training thread,
 * except {@link #timeUp}, which the max-time timer sets from its own thread.
 *
 * @param <E> the experiment type
 */
final class RunState<E> {

  E experiment;
  int epoch;
  Mode mode = Mode.TRAIN;
  long trainSteps;
  long valSteps;
  long testSteps;
  long batchesIntoEpoch;
  long skippedBatches;
  volatile boolean timeUp;
  private boolean stopped;
  private Throwable stopReason;

  RunState(E experiment, RunPosition start) {
    this.experiment = experiment;
    this.epoch = start.epoch();
    this.trainSteps = start.trainSteps();
    this.valSteps = start.valSteps();
  }

  /** Asks the run to stop at the next step boundary; the first reason wins. */
  void requestStop(Throwable reason) {
    if (!stopped) {
      stopped = true;
      stopReason = reason;
    }
  }

  boolean stopping() {
    if (timeUp) {
      requestStop(null);
    }
    return stopped;
  }

  Throwable stopReason() {
    return stopReason;
  }

  long steps(Mode m) {
    return switch (m) {
      case TRAIN -> trainSteps;
      case VAL -> valSteps;
      case TEST -> testSteps;
    };
  }

  void countStep(Mode m) {
    switch (m) {
      case TRAIN -> {
        trainSteps++;
        batchesIntoEpoch++;
      }
      case VAL -> valSteps++;
      case TEST -> testSteps++;
    }
  }

  /** Counts a batch dropped by the non-finite policy: no step, but consumed in the epoch. */
  void countSkipped(Mode m) {
    skippedBatches++;
    if (m == Mode.TRAIN) {
      batchesIntoEpoch++;
    }
  }

  RunPosition position() {
    return new RunPosition(epoch, batchesIntoEpoch, trainSteps, valSteps);
  }
}
