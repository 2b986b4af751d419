package io.solstice.core.testing;

import io.solstice.core.Callback;
import io.solstice.core.EarlyStoppingException;
import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.RunPosition;
import io.solstice.core.Step;
import java.util.List;

/**
 * A minimal training loop for tests, calling the hooks in the engine's documented order:
 * onEpochStart(TRAIN), then per batch onStepStart, trainStep, onStepEnd, then
 * onEpochEnd(TRAIN); then the same for VAL with evalStep; next epoch; finally onRunEnd. Steps
 * are numbered per mode from 0. It honours a {@link RunPosition} as the engine's {@code
 * resumeFrom} does: it starts in that epoch, skips that many train batches and continues the
 * step counters. It can also "crash" after a number of train steps: it stops dead, without
 * onRunEnd, like a killed process.
 *
 * @param <E> the experiment type
 * @param <B> the batch type
 * @param <O> the output type
 */
public final class FakeLoop<E extends Experiment<E, B, O>, B, O> {

  private final List<B> trainBatches;
  private final List<B> valBatches;
  private final List<? extends Callback<E, B, O>> callbacks;
  private RunPosition from = RunPosition.START;
  private long crashAfterTrainSteps = Long.MAX_VALUE;
  private RunOutcome outcome;

  /**
   * A loop over fixed batch lists.
   *
   * @param trainBatches the train batches of every epoch
   * @param valBatches the val batches of every epoch (empty for no validation)
   * @param callbacks the callbacks, called in order
   */
  public FakeLoop(List<B> trainBatches, List<B> valBatches, List<? extends Callback<E, B, O>> callbacks) {
    this.trainBatches = trainBatches;
    this.valBatches = valBatches;
    this.callbacks = callbacks;
  }

  /**
   * Starts at a resumed position.
   *
   * @param position the position
   * @return this loop
   */
  public FakeLoop<E, B, O> resumeFrom(RunPosition position) {
    this.from = position;
    return this;
  }

  /**
   * Stops dead after this many train steps of the whole run (counting resumed ones).
   *
   * @param trainSteps the step count
   * @return this loop
   */
  public FakeLoop<E, B, O> crashAfterTrainSteps(long trainSteps) {
    this.crashAfterTrainSteps = trainSteps;
    return this;
  }

  /**
   * How the last run ended (null after a crash).
   *
   * @return the outcome
   */
  public RunOutcome outcome() {
    return outcome;
  }

  /**
   * Runs.
   *
   * @param experiment the experiment
   * @param epochs the total number of epochs of the run
   * @return the last experiment
   * @throws Crash when the crash point is reached
   */
  public E run(E experiment, int epochs) {
    E exp = experiment;
    long trainStep = from.trainSteps();
    long valStep = from.valSteps();
    try {
      for (int epoch = from.epoch(); epoch < epochs; epoch++) {
        long skip = epoch == from.epoch() ? from.batchesIntoEpoch() : 0;
        for (Callback<E, B, O> c : callbacks) {
          c.onEpochStart(exp, epoch, Mode.TRAIN);
        }
        for (int i = (int) skip; i < trainBatches.size(); i++) {
          if (trainStep >= crashAfterTrainSteps) {
            throw new Crash(trainStep);
          }
          exp = step(exp, trainBatches.get(i), trainStep++, Mode.TRAIN);
        }
        for (Callback<E, B, O> c : callbacks) {
          c.onEpochEnd(exp, epoch, Mode.TRAIN);
        }
        if (!valBatches.isEmpty()) {
          for (Callback<E, B, O> c : callbacks) {
            c.onEpochStart(exp, epoch, Mode.VAL);
          }
          for (B batch : valBatches) {
            exp = step(exp, batch, valStep++, Mode.VAL);
          }
          for (Callback<E, B, O> c : callbacks) {
            c.onEpochEnd(exp, epoch, Mode.VAL);
          }
        }
      }
      outcome = RunOutcome.COMPLETED;
    } catch (EarlyStoppingException stop) {
      outcome = RunOutcome.stoppedEarly(stop);
    } catch (Crash crash) {
      outcome = null;
      throw crash;
    }
    for (Callback<E, B, O> c : callbacks) {
      c.onRunEnd(exp, outcome);
    }
    return exp;
  }

  private E step(E exp, B batch, long number, Mode mode) {
    for (Callback<E, B, O> c : callbacks) {
      c.onStepStart(exp, number, mode, batch);
    }
    Step<E, O> result = mode == Mode.TRAIN ? exp.trainStep(batch) : exp.evalStep(batch);
    for (Callback<E, B, O> c : callbacks) {
      c.onStepEnd(result.outputs(), result.experiment(), number, mode, batch);
    }
    return result.experiment();
  }

  /** A simulated crash: the loop stopped dead. */
  public static final class Crash extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Crash(long step) {
      super("simulated crash before train step " + step);
    }
  }
}
