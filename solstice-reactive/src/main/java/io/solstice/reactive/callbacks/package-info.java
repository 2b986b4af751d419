/**
 * Built-in callbacks: {@link io.solstice.reactive.callbacks.LoggingCallback} (metrics over exact
 * N-step windows or epochs, to SLF4J or any function), {@link
 * io.solstice.reactive.callbacks.ProgressBar} (console progress), {@link
 * io.solstice.reactive.callbacks.CsvLogger} (CSV rows and a learning-curve PNG), {@link
 * io.solstice.reactive.callbacks.ProfilingCallback} (data wait / step / callbacks time, Flight
 * Recorder events, ND4J op profiles) and {@link io.solstice.reactive.callbacks.EarlyStopping}.
 * Checkpointing lives in {@link io.solstice.core.checkpoint}.
 *
 * <p>Every callback here relies only on the hook order of {@link io.solstice.core.Callback}:
 * onEpochStart, then per batch onStepStart and onStepEnd, then onEpochEnd, per mode, and
 * onRunEnd once; steps numbered per mode from 0. Callbacks that merge outputs need step outputs
 * that implement {@link io.solstice.core.metrics.Metrics}. None of them is thread-safe: the
 * engine calls them from the training thread.
 *
 * <pre>{@code
 * var early = EarlyStopping.<Exp, Batch, Metrics>monitor("loss").patience(5).restoreBest(true).build();
 * var checkpoints = CheckpointCallback.<Exp, Batch, Metrics>builder(dir)
 *     .everySteps(1000).keepBest(2, "loss", Mode.VAL, Direction.MIN)
 *     .saveStateOf("early_stopping", early).inBackground(2).build();
 * Resumed<Exp> start = checkpoints.resume(new Exp(seed));      // fresh start when dir is empty
 * Exp trained = train(start.experiment(), ..., resumeFrom(start.position()),
 *     List.of(LoggingCallback.<Exp, Batch, Metrics>everySteps(100).alsoAtEpochEnd().build(),
 *             early, checkpoints));
 * Exp best = early.restoreBest(trained);
 * }</pre>
 */
package io.solstice.reactive.callbacks;
