package io.solstice.examples.job;

import io.solstice.core.Callback;
import io.solstice.core.Mode;

/**
 * Remembers how far a run got: the last train epoch started and the train steps done, both
 * counted over the whole run (a resumed run continues the numbers of the run it resumes).
 */
final class RunCounter<E, B, O> implements Callback<E, B, O> {
  private int epochs;
  private long steps;

  RunCounter(int epochsBefore, long stepsBefore) {
    this.epochs = epochsBefore;
    this.steps = stepsBefore;
  }

  @Override
  public void onEpochStart(E experiment, int epoch, Mode mode) {
    if (mode == Mode.TRAIN) {
      epochs = Math.max(epochs, epoch + 1);
    }
  }

  @Override
  public void onStepEnd(O outputs, E experiment, long globalStep, Mode mode, B batch) {
    if (mode == Mode.TRAIN) {
      steps = Math.max(steps, globalStep + 1);
    }
  }

  int epochs() {
    return epochs;
  }

  long steps() {
    return steps;
  }
}
