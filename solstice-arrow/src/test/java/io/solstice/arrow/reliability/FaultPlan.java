package io.solstice.arrow.reliability;

import java.util.Random;

/**
 * The faults of one randomized run, drawn from its seed. A value of -1 means "no fault of this
 * kind"; counts are occurrences (the n-th call, from 0).
 *
 * @param seed the run's seed, printed with any failure
 * @param arrow whether batches are real Arrow batches (else plain ND4J tensors)
 * @param epochs train epochs
 * @param trainBatches batches per train epoch
 * @param valBatches batches per validation (0: no validation source)
 * @param sourceDelayMs per-batch read delay of the sources (0: fast)
 * @param stepDelayMs per-step compute delay
 * @param prefetch the engine's prefetch
 * @param failTrainStep train step that throws
 * @param failEvalStep eval step that throws
 * @param failSourceAt batch index (per subscription) at which a source throws
 * @param failHook the callback hook that throws, or null
 * @param failHookAt the occurrence of that hook that throws
 * @param stopInsteadOfFail whether the hook throws an early stop instead of an error
 * @param cancelAfterItems step results after which the subscriber cancels
 * @param cancelAfterMs milliseconds after subscription at which another thread cancels
 * @param slowObserver whether a slow asynchronous observer with a tiny buffer is attached
 */
record FaultPlan(
    long seed,
    boolean arrow,
    int epochs,
    int trainBatches,
    int valBatches,
    int sourceDelayMs,
    int stepDelayMs,
    int prefetch,
    int failTrainStep,
    int failEvalStep,
    int failSourceAt,
    String failHook,
    int failHookAt,
    boolean stopInsteadOfFail,
    int cancelAfterItems,
    int cancelAfterMs,
    boolean slowObserver) {

  static final String[] HOOKS = {"onEpochStart", "onStepStart", "onStepEnd", "onEpochEnd", "onRunEnd"};

  /** Draws a plan: roughly one fault of each kind in three to five runs, mixed freely. */
  static FaultPlan draw(long seed) {
    Random r = new Random(seed);
    int epochs = 1 + r.nextInt(3);
    int train = 1 + r.nextInt(8);
    int val = r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(3);
    return new FaultPlan(
        seed,
        r.nextInt(5) < 3,
        epochs,
        train,
        val,
        r.nextInt(4) == 0 ? 1 : 0,
        r.nextInt(6) == 0 ? 1 : 0,
        1 + r.nextInt(4),
        r.nextInt(4) == 0 ? r.nextInt(epochs * train + 1) : -1,
        r.nextInt(5) == 0 && val > 0 ? r.nextInt(epochs * val + 1) : -1,
        r.nextInt(5) == 0 ? r.nextInt(train + 1) : -1,
        r.nextInt(3) == 0 ? HOOKS[r.nextInt(HOOKS.length)] : null,
        r.nextInt(6),
        r.nextInt(4) == 0,
        r.nextInt(5) == 0 ? r.nextInt(epochs * (train + val) + 1) : -1,
        r.nextInt(5) == 0 ? r.nextInt(15) : -1,
        r.nextInt(3) == 0);
  }
}
