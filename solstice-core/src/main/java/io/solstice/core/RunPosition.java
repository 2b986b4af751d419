package io.solstice.core;

/**
 * Where a training run stands: the loop counters a checkpoint stores and a resumed run starts
 * from. A run started at a position behaves as if the steps before it had already happened:
 * it begins in {@code epoch}, skips the first {@code batchesIntoEpoch} training batches of that
 * epoch, and numbers its next train and val steps {@code trainSteps} and {@code valSteps}.
 *
 * <p>Thread safety: immutable (a record of numbers); safe to share.
 *
 * @param epoch the epoch in progress (or about to start), from 0
 * @param batchesIntoEpoch training batches of that epoch already trained on
 * @param trainSteps train steps done in the whole run
 * @param valSteps val steps done in the whole run
 */
public record RunPosition(int epoch, long batchesIntoEpoch, long trainSteps, long valSteps) {

  /** The start of a fresh run. */
  public static final RunPosition START = new RunPosition(0, 0, 0, 0);

  /** Validates that no counter is negative. */
  public RunPosition {
    if (epoch < 0 || batchesIntoEpoch < 0 || trainSteps < 0 || valSteps < 0) {
      throw new IllegalArgumentException(
          "counters must be >= 0: epoch=" + epoch + ", batchesIntoEpoch=" + batchesIntoEpoch
              + ", trainSteps=" + trainSteps + ", valSteps=" + valSteps);
    }
  }
}
