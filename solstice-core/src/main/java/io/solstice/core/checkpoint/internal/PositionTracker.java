package io.solstice.core.checkpoint.internal;

import io.solstice.core.Mode;
import io.solstice.core.RunPosition;

/**
 * Follows the hooks of a run to know its {@link RunPosition} at any moment: the epoch, the
 * train batches done in it, and the step counters of both modes.
 *
 * <p>Thread safety: not thread-safe; it follows the hooks of one run on its training thread.
 */
public final class PositionTracker {

  private int epoch;
  private long batchesIntoEpoch;
  private long trainSteps;
  private long valSteps;
  private boolean trainEpochEnded;
  private boolean resumedMidEpoch;
  private boolean validatedSinceTrainEnd;

  /**
   * Starts from a resumed position: the next train epoch start for {@code position.epoch()}
   * keeps its batch count instead of resetting it.
   *
   * @param position where the resumed run starts
   */
  public void resumeAt(RunPosition position) {
    epoch = position.epoch();
    batchesIntoEpoch = position.batchesIntoEpoch();
    trainSteps = position.trainSteps();
    valSteps = position.valSteps();
    trainEpochEnded = false;
    resumedMidEpoch = position.batchesIntoEpoch() > 0;
  }

  /**
   * Records an epoch start.
   *
   * @param startedEpoch the epoch
   * @param mode its mode
   */
  public void epochStarted(int startedEpoch, Mode mode) {
    if (mode != Mode.TRAIN) {
      validatedSinceTrainEnd |= trainEpochEnded && mode == Mode.VAL;
      return;
    }
    if (!(resumedMidEpoch && startedEpoch == epoch)) {
      batchesIntoEpoch = 0;
    }
    resumedMidEpoch = false;
    epoch = startedEpoch;
    trainEpochEnded = false;
  }

  /**
   * Records an epoch end.
   *
   * @param mode its mode
   */
  public void epochEnded(Mode mode) {
    if (mode == Mode.TRAIN) {
      trainEpochEnded = true;
      validatedSinceTrainEnd = false;
    }
  }

  /**
   * Records a finished step.
   *
   * @param globalStep its number
   * @param mode its mode
   */
  public void stepEnded(long globalStep, Mode mode) {
    if (mode == Mode.TRAIN) {
      trainSteps = globalStep + 1;
      batchesIntoEpoch++;
    } else if (mode == Mode.VAL) {
      valSteps = globalStep + 1;
    }
  }

  /**
   * The run stopped early or was cancelled. The engine ends a stopped train epoch whether or
   * not its batches ran out, so a train epoch that ended without its validation starting may be
   * incomplete: the position stays inside it, with the batches done. Resuming then skips those
   * batches, trains on what is left of the epoch (possibly nothing) and runs its validation,
   * which is right in both cases.
   */
  public void runStopped() {
    if (trainEpochEnded && !validatedSinceTrainEnd) {
      trainEpochEnded = false;
    }
  }

  /**
   * Whether the current train epoch has ended (its validation may still be running or done).
   *
   * @return true after the train epoch's end hook
   */
  public boolean trainEpochEnded() {
    return trainEpochEnded;
  }

  /**
   * The epoch in progress or last ended.
   *
   * @return the epoch
   */
  public int epoch() {
    return epoch;
  }

  /**
   * The position now: mid-epoch while the train epoch runs; the start of the next epoch once
   * the train epoch has ended (its validation, if any, belongs to the finished epoch).
   *
   * @return the position
   */
  public RunPosition position() {
    return trainEpochEnded
        ? new RunPosition(epoch + 1, 0, trainSteps, valSteps)
        : new RunPosition(epoch, batchesIntoEpoch, trainSteps, valSteps);
  }
}
