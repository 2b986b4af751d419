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
 * @param failEvent the kind of event (its record's simple name) at which a synchronous
 *     subscriber fails or stops the run, or null
 * @param failEventAt the occurrence of that event at which it does
 * @param stopInsteadOfFail whether the subscriber stops the run instead of failing it
 * @param cancelAfterItems step results after which the subscriber cancels
 * @param cancelAfterMs milliseconds after subscription at which another thread cancels
 * @param slowObserver whether a slow asynchronous subscriber with a tiny buffer is attached
 * @param stopWithSignal whether a stop is signalled with {@code RunControl.stop} rather than
 *     thrown as an {@code EarlyStoppingException}
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
    String failEvent,
    int failEventAt,
    boolean stopInsteadOfFail,
    int cancelAfterItems,
    int cancelAfterMs,
    boolean slowObserver,
    boolean stopWithSignal) {

  static final String[] EVENTS = {
    "RunStarted", "EpochStarted", "StepStarted", "StepEnded", "EpochEnded", "ValidationEnded",
    "RunEnded"
  };

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
        r.nextInt(3) == 0 ? EVENTS[r.nextInt(EVENTS.length)] : null,
        r.nextInt(6),
        r.nextInt(4) == 0,
        r.nextInt(5) == 0 ? r.nextInt(epochs * (train + val) + 1) : -1,
        r.nextInt(5) == 0 ? r.nextInt(15) : -1,
        r.nextInt(3) == 0,
        r.nextBoolean());
  }
}
