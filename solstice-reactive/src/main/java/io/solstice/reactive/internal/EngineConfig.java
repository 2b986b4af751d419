package io.solstice.reactive.internal;

import io.solstice.core.RunPosition;
import io.solstice.reactive.CheckpointHook;
import io.solstice.reactive.NonFinitePolicy;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import reactor.core.scheduler.Scheduler;

/**
 * The settings the engine reads, flattened from the public option types.
 *
 * @param prefetch batches requested ahead of the step
 * @param validateEveryEpochs epoch cadence of validation, 0 for off
 * @param validateEverySteps step cadence of validation, 0 for off
 * @param limitTrainBatches most train batches per epoch
 * @param limitValBatches most val batches per validation
 * @param maxSteps train step counter at which the run stops
 * @param maxTime time after which the run stops, or null
 * @param timer the scheduler timing maxTime, or null for {@code Schedulers.parallel()}
 * @param stepThreadFactory the training thread's factory, or null for the default
 * @param sourceScheduler a shared source scheduler, or null for run-owned reader threads
 * @param resumeFrom where the run starts
 * @param checkpointEvery checkpoint cadence in train steps, 0 for off
 * @param checkpointHook what saves a checkpoint, or null
 * @param prequential whether train batches are evaluated before training (fit)
 * @param windowSize prequential sliding window
 * @param fadingFactor prequential fading factor
 * @param nonFinite what to do with NaN or infinity in features or loss
 */
public record EngineConfig(
    int prefetch,
    int validateEveryEpochs,
    long validateEverySteps,
    long limitTrainBatches,
    long limitValBatches,
    long maxSteps,
    Duration maxTime,
    Scheduler timer,
    ThreadFactory stepThreadFactory,
    Scheduler sourceScheduler,
    RunPosition resumeFrom,
    long checkpointEvery,
    CheckpointHook checkpointHook,
    boolean prequential,
    int windowSize,
    double fadingFactor,
    NonFinitePolicy nonFinite) {}
