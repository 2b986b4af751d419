package io.solstice.core;

/**
 * Observes a training or test run. Callbacks execute side effects (logging, checkpointing,
 * profiling, progress); they cannot change training, but any hook may stop it by throwing
 * {@link EarlyStoppingException}.
 *
 * <p>Every hook has an empty default, so a callback implements only what it needs. The engine
 * calls synchronous callbacks on the training thread, in list order; the exact order of hooks
 * and the step numbering are the engine's documented contract.
 *
 * <p>Steps are numbered per mode from 0: {@code globalStep} counts the steps of that mode seen
 * so far in the run (train and val keep separate counts).
 *
 * <p>Thread safety: implementations need not be thread-safe, since a run calls its synchronous
 * callbacks on its one training thread; an instance passed to several runs at once is called
 * from several threads and must then guard its own state.
 *
 * @param <E> the experiment type the callback accepts
 * @param <B> the batch type the callback accepts
 * @param <O> the step-output type the callback accepts
 */
public interface Callback<E, B, O> {

  /**
   * Called before the first batch of an epoch is requested.
   *
   * @param experiment the current experiment
   * @param epoch the epoch number, from 0
   * @param mode TRAIN, VAL or TEST
   */
  default void onEpochStart(E experiment, int epoch, Mode mode) {}

  /**
   * Called after the last step of an epoch.
   *
   * @param experiment the current experiment
   * @param epoch the epoch number, from 0
   * @param mode TRAIN, VAL or TEST
   */
  default void onEpochEnd(E experiment, int epoch, Mode mode) {}

  /**
   * Called before a batch is given to the experiment.
   *
   * @param experiment the current experiment
   * @param globalStep the number of steps of this mode before this one
   * @param mode TRAIN, VAL or TEST
   * @param batch the batch; valid only during this call and the step
   */
  default void onStepStart(E experiment, long globalStep, Mode mode, B batch) {}

  /**
   * Called after a step, with its outputs.
   *
   * @param outputs the step's outputs
   * @param experiment the experiment returned by the step
   * @param globalStep the same number {@link #onStepStart} received for this step
   * @param mode TRAIN, VAL or TEST
   * @param batch the batch; valid only during this call
   */
  default void onStepEnd(O outputs, E experiment, long globalStep, Mode mode, B batch) {}

  /**
   * Called exactly once when a run ends, however it ends. An exception thrown here is added
   * as suppressed to the run's error (or becomes the error of a run that had none).
   *
   * @param experiment the last experiment of the run
   * @param outcome how the run ended
   */
  default void onRunEnd(E experiment, RunOutcome outcome) {}
}
