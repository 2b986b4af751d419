package io.solstice.examples.job;

import io.solstice.core.Mode;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;

/**
 * Remembers how far a run got: the last train epoch started and the train steps done, both
 * counted over the whole run (a resumed run continues the numbers of the run it resumes).
 */
final class RunCounter implements TrainingSubscriber<Object, Object> {
  private int epochs;
  private long steps;

  RunCounter(int epochsBefore, long stepsBefore) {
    this.epochs = epochsBefore;
    this.steps = stepsBefore;
  }

  @Override
  public void onEvent(TrainingEvent<Object, Object> event) {
    if (event instanceof TrainingEvent.EpochStarted<Object, Object> epoch
        && epoch.mode() == Mode.TRAIN) {
      epochs = Math.max(epochs, epoch.epoch() + 1);
    } else if (event instanceof TrainingEvent.StepEnded<Object, Object> step
        && step.mode() == Mode.TRAIN) {
      steps = Math.max(steps, step.globalStep() + 1);
    }
  }

  int epochs() {
    return epochs;
  }

  long steps() {
    return steps;
  }
}
