package io.solstice.spark;

/**
 * What happens to the optimizer state (the arrays whose names start with the trainer's
 * {@linkplain SparkTrainer.Builder#optimizerStatePrefix optimizer-state prefix}, by default
 * {@code updater/}) at the end of a round.
 *
 * <p>Thread safety: an enum, safe to share.
 */
public enum OptimizerStateMode {

  /**
   * Averaged like the parameters (weighted by examples); every partition starts the next round
   * from the same optimizer state. The driver's experiment holds exactly what the workers use,
   * so checkpoints capture everything. The default.
   */
  AVERAGED,

  /**
   * Each partition keeps its own optimizer state across rounds (Adam moments follow the local
   * data): the driver stores it by partition index and broadcasts it back the next round. The
   * driver's experiment holds the averaged optimizer state, which is what a checkpoint saves: a
   * resumed run restarts every worker from that average.
   */
  PER_WORKER
}
