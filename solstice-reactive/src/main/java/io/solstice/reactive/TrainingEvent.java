package io.solstice.reactive;

import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;

/**
 * The events of a run, one per callback hook, as {@linkplain AsyncObserver asynchronous
 * observers} receive them. Batches are not part of the events: a batch is closed right after
 * its step, long before a slow observer would look at it.
 *
 * <p>An event is published after every synchronous callback of its hook has run. The
 * experiment in an event is the reference the hook saw; an experiment that updates its arrays
 * in place may have moved on by the time an observer reads it, so observers that need exact
 * parameter values belong among the synchronous callbacks.
 *
 * @param <E> the experiment type
 * @param <O> the step-output type
 */
public sealed interface TrainingEvent<E, O>
    permits TrainingEvent.EpochStarted,
        TrainingEvent.StepStarted,
        TrainingEvent.StepEnded,
        TrainingEvent.EpochEnded,
        TrainingEvent.RunEnded {

  /**
   * The experiment the hook saw.
   *
   * @return the experiment
   */
  E experiment();

  /**
   * An epoch began ({@code onEpochStart}).
   *
   * @param experiment the experiment
   * @param epoch the epoch, from 0
   * @param mode TRAIN, VAL or TEST
   * @param <E> the experiment type
   * @param <O> the step-output type
   */
  record EpochStarted<E, O>(E experiment, int epoch, Mode mode) implements TrainingEvent<E, O> {}

  /**
   * A step began ({@code onStepStart}).
   *
   * @param experiment the experiment
   * @param epoch the epoch, from 0
   * @param globalStep the step's number in its mode, from 0
   * @param mode TRAIN, VAL or TEST
   * @param <E> the experiment type
   * @param <O> the step-output type
   */
  record StepStarted<E, O>(E experiment, int epoch, long globalStep, Mode mode)
      implements TrainingEvent<E, O> {}

  /**
   * A step ended ({@code onStepEnd}).
   *
   * @param outputs the step's outputs
   * @param experiment the experiment returned by the step
   * @param epoch the epoch, from 0
   * @param globalStep the step's number in its mode, from 0
   * @param mode TRAIN, VAL or TEST
   * @param <E> the experiment type
   * @param <O> the step-output type
   */
  record StepEnded<E, O>(O outputs, E experiment, int epoch, long globalStep, Mode mode)
      implements TrainingEvent<E, O> {}

  /**
   * An epoch ended ({@code onEpochEnd}).
   *
   * @param experiment the experiment
   * @param epoch the epoch, from 0
   * @param mode TRAIN, VAL or TEST
   * @param <E> the experiment type
   * @param <O> the step-output type
   */
  record EpochEnded<E, O>(E experiment, int epoch, Mode mode) implements TrainingEvent<E, O> {}

  /**
   * The run ended ({@code onRunEnd}); always the last event of a run.
   *
   * @param experiment the last experiment of the run
   * @param outcome how it ended
   * @param <E> the experiment type
   * @param <O> the step-output type
   */
  record RunEnded<E, O>(E experiment, RunOutcome outcome) implements TrainingEvent<E, O> {}
}
