/**
 * Built-in subscribers of a run's {@link io.solstice.reactive.TrainingEvent}s: {@link
 * io.solstice.reactive.callbacks.LoggingCallback} (metrics over exact N-step windows or epochs,
 * to SLF4J or any function), {@link io.solstice.reactive.callbacks.ProgressBar} (console
 * progress), {@link io.solstice.reactive.callbacks.CsvLogger} (CSV rows and a learning-curve
 * PNG), {@link io.solstice.reactive.callbacks.TensorBoardLogger} (TensorBoard event files of the same
 * windows and epochs), {@link io.solstice.reactive.callbacks.ProfilingCallback} (data wait / step / subscribers
 * time, Flight Recorder events, ND4J op profiles), {@link
 * io.solstice.reactive.callbacks.EarlyStopping} and {@link
 * io.solstice.reactive.callbacks.CheckpointCallback}.
 *
 * <p>Each is a synchronous {@link io.solstice.reactive.TrainingSubscriber} of any experiment and
 * output type ({@code TrainingSubscriber<Object, Object>}), so none needs type arguments at the
 * call site. None keeps a metric accumulator of its own: epoch summaries are the merged metrics
 * the engine carries on {@code EpochEnded} and {@code ValidationEnded}, step windows are Reactor
 * {@code windowUntil} + {@code reduce} pipelines ({@link
 * io.solstice.reactive.TrainingSubscriber#flow}), and step timings come from {@code
 * StepEnded.timings()}. Subscribers that merge outputs need step outputs that implement {@link
 * io.solstice.core.metrics.Metrics}. One instance may serve several runs; each run has its own
 * windows and epochs.
 *
 * <pre>{@code
 * ProfilingCallback profiler = ProfilingCallback.builder().build();
 * Exp trained = Solstice.run(new Exp(seed))
 *     .train(trainBatches).validate(valBatches).epochs(20)
 *     .subscribers(
 *         LoggingCallback.everySteps(100).alsoAtEpochEnd().build(),
 *         CsvLogger.to(dir.resolve("metrics.csv")).plotAtEnd(dir.resolve("curves.png")).build(),
 *         ProgressBar.builder().build(),
 *         profiler)
 *     .block();
 * }</pre>
 */
package io.solstice.reactive.callbacks;
