package io.solstice.reactive;

import io.solstice.core.Callback;
import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.core.Step;
import io.solstice.core.metrics.Metrics;
import io.solstice.reactive.internal.Engine;
import io.solstice.reactive.internal.EngineConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The entry point of the Solstice engine: training, testing and online fitting as Reactor
 * publishers. Batches of any type flow from a {@link Publisher} through the experiment's
 * {@code trainStep}/{@code evalStep}; nothing happens until the returned publisher is
 * subscribed, and <b>every subscription is a new, independent run</b> (cold publishers).
 *
 * <pre>{@code
 * MyExperiment trained = Solstice.train(exp, 10, trainBatches, valBatches, List.of(logger))
 *     .block();                                        // or Solstice.trainBlocking(...)
 *
 * Solstice.fit(exp, kafkaBatches, FitOptions.builder().prequential(100, 0.99).build())
 *     .take(10_000)                                    // stops the run after 10,000 results
 *     .subscribe(r -> plot(r.prequential().cumulative()));
 * }</pre>
 *
 * <h2>Contract</h2>
 *
 * <p>Each statement below is checked by the engine's tests.
 *
 * <h3>Threads and backpressure</h3>
 *
 * <ul>
 *   <li>Every step and every synchronous callback hook of a run runs on one training thread,
 *       owned by the run (ND4J workspaces and CUDA contexts are per thread). Its name is
 *       {@code solstice-step-N} unless {@link TrainOptions.Builder#stepThreadFactory} says
 *       otherwise.
 *   <li>Sources are subscribed and read on reader threads owned by the run ({@code
 *       solstice-source-train-N}, {@code -val-N}, {@code -test-N}), or on
 *       {@link TrainOptions.Builder#sourceScheduler}, so reading the next batches overlaps the
 *       step.
 *   <li>Each source subscription requests at most {@code prefetch} batches ahead of the step
 *       ({@link TrainOptions.Builder#prefetch}, default 4), replenished one by one as the step
 *       takes them. At most {@code prefetch + 2} batches of a source subscription are alive at
 *       once, however fast the source is. One subscription is open at a time, except while a
 *       step-cadence validation interrupts a train epoch: the paused train subscription then
 *       keeps its prefetched batches.
 *   <li>A source is cancelled on its reader thread, so its cleanup never races a read in
 *       progress.
 *   <li>When the run's publisher terminates (complete, error or cancel), the run's threads
 *       are shut down and exit once the work in hand is done; no step or hook runs after
 *       {@code onRunEnd}.
 * </ul>
 *
 * <h3>Hook order</h3>
 *
 * <p>Each hook is called on every synchronous callback, in list order, before the next hook.
 * For {@code train(exp, 2, train, val, callbacks)} with two train and one val batch per epoch:
 *
 * <pre>
 * onEpochStart(0, TRAIN)
 *   onStepStart(0, TRAIN)  onStepEnd(0, TRAIN)
 *   onStepStart(1, TRAIN)  onStepEnd(1, TRAIN)
 * onEpochEnd(0, TRAIN)
 * onEpochStart(0, VAL)
 *   onStepStart(0, VAL)    onStepEnd(0, VAL)
 * onEpochEnd(0, VAL)
 * onEpochStart(1, TRAIN)
 *   onStepStart(2, TRAIN)  onStepEnd(2, TRAIN)
 *   onStepStart(3, TRAIN)  onStepEnd(3, TRAIN)
 * onEpochEnd(1, TRAIN)
 * onEpochStart(1, VAL)
 *   onStepStart(1, VAL)    onStepEnd(1, VAL)
 * onEpochEnd(1, VAL)
 * onRunEnd(COMPLETED)
 * </pre>
 *
 * <ul>
 *   <li>Validation follows the train epochs whose number plus one is a multiple of
 *       {@link TrainOptions.Builder#validateEveryEpochs} (default every epoch), and only when
 *       a validation source is given. With {@link TrainOptions.Builder#validateEverySteps}
 *       {@code n}, a whole VAL epoch (numbered like the train epoch it interrupts) runs right
 *       after the {@code onStepEnd} of every train step that brings the train step count to a
 *       multiple of {@code n}, before the next train step.
 *   <li>A {@link StepResult} is emitted on the training thread after the step's {@code
 *       onStepEnd}, once its batch has been closed (a result never holds a batch), and
 *       before the next step starts.
 *   <li>A test run is one TEST epoch: {@code onEpochStart(0, TEST)}, its steps, {@code
 *       onEpochEnd(0, TEST)}, {@code onRunEnd}. A fit run is one TRAIN epoch (numbered from
 *       the resume position, 0 by default) over the whole source.
 * </ul>
 *
 * <h3>Numbering</h3>
 *
 * <ul>
 *   <li>Epochs are numbered from 0. Steps are numbered from 0 <b>per mode</b>: the {@code
 *       globalStep} of a train step counts the train steps before it in the whole run (it
 *       does not restart at each epoch); val steps have their own counter across all
 *       validations; test steps their own. Unlike the Python original, nothing counts from 1.
 *   <li>A run {@linkplain TrainOptions.Builder#resumeFrom resumed} at a {@link RunPosition}
 *       starts in its epoch, closes without stepping the first {@code batchesIntoEpoch} train
 *       batches of that epoch, and numbers its first train and val steps {@code trainSteps}
 *       and {@code valSteps}. {@link StepResult#position()} is the position to resume from
 *       after that step.
 * </ul>
 *
 * <h3>Early stopping</h3>
 *
 * <p>Any hook may throw {@link io.solstice.core.EarlyStoppingException}. The remaining
 * callbacks of that same hook still run; then:
 *
 * <ul>
 *   <li>from {@code onEpochStart}: no step of that epoch runs, and that epoch's {@code
 *       onEpochEnd} is still called (every started epoch is ended);
 *   <li>from {@code onStepStart}: that step does not run (no {@code onStepEnd}, no result),
 *       its batch is closed, and the epoch's {@code onEpochEnd} is called;
 *   <li>from {@code onStepEnd}: that step's result is emitted, no further step runs, and the
 *       epoch's {@code onEpochEnd} is called;
 *   <li>from {@code onEpochEnd}: nothing further runs.
 * </ul>
 *
 * <p>In every case no later epoch and no later validation runs, every callback's {@code
 * onRunEnd} receives {@code STOPPED_EARLY} with the exception as cause, and the run completes
 * normally: {@code train} emits the experiment returned by the last step that ran. An {@code
 * EarlyStoppingException} thrown by the experiment's step itself stops the run like one from
 * {@code onStepStart}. {@link TrainOptions.Builder#maxSteps} and
 * {@link TrainOptions.Builder#maxTime} stop the run the same way, at a step boundary, with no
 * cause; {@link TrainOptions.Builder#limitTrainBatches} ends an epoch, not the run.
 *
 * <h3>Errors</h3>
 *
 * <p>Any other exception, from a step, a callback (the remaining callbacks of that hook are
 * skipped), the source or a batch's {@code close}, ends the run: no hook runs except {@code
 * onRunEnd}, which every callback receives with {@code FAILED}; then the publisher signals a
 * {@link TrainingException} that names the mode, the epoch and the global step, with the
 * original exception as cause. By then every batch of the run has been closed. Nothing is
 * swallowed: an exception from {@code onRunEnd} is added as suppressed to the run's error,
 * or, on a run that had none, becomes its error.
 *
 * <h3>NaN and infinity</h3>
 *
 * <p>A {@code TensorBatch} whose features hold NaN or infinity is refused before its step, and
 * a step whose loss ({@code MeanMetric} mean, or a {@code Metrics}' {@code "loss"}) is not
 * finite is refused before it is accepted: the run fails (default), skips the batch or stops
 * early, as {@link TrainOptions.Builder#nonFinite} says ({@link NonFinitePolicy}).
 *
 * <h3>Cancellation</h3>
 *
 * <p>Cancelling the subscription ({@code dispose()}, {@code take(n)}, {@code timeout}) stops
 * the run at the next step boundary: the step in progress is never interrupted and finishes
 * on the training thread, its batch is closed, the source is cancelled, batches not yet
 * stepped are closed, and every callback's {@code onRunEnd} receives {@code CANCELLED} on the
 * training thread after the step in progress. {@code cancel()} itself does not wait for that.
 *
 * <h3>Batches</h3>
 *
 * <p>A batch that is {@link AutoCloseable} is closed exactly once per emission: after its step
 * (after {@code onStepEnd}), or by the engine if it is never stepped (skipped on resume, or
 * still queued when the epoch ends, the run stops, fails or is cancelled). Callbacks and
 * experiments must not keep references into a batch. Because reactor-core 3.8.8's {@code
 * publishOn} can drop queued items on cancel without discarding them (reactor-core issue
 * 4396), the engine keeps its own registry of emitted, unstepped batches per source
 * subscription and closes them when the subscription ends, in addition to {@code
 * doOnDiscard}.
 *
 * <h3>Asynchronous observers</h3>
 *
 * <p>{@link AsyncObserver}s receive a {@link TrainingEvent} for every hook call, published on
 * the training thread after the synchronous callbacks of that hook, and delivered on the
 * observer's own scheduler through a bounded buffer. They never stall the step: when one
 * falls behind, its oldest undelivered event is dropped and counted
 * ({@link AsyncObserver#dropped()}).
 *
 * <h3>Backends</h3>
 *
 * <p>The engine uses no ND4J backend class: it runs on whatever backend is on the classpath
 * (nd4j-native for CPU by default, nd4j-cuda-11.6 with the {@code cuda} profile). The CUDA
 * 11.6 build carries kernels up to compute capability sm_86 (Ampere); Hopper GPUs (H100, H200)
 * are unverified with it. Because the step always runs on the same thread, per-thread CUDA
 * contexts and ND4J workspaces stay valid for the whole run.
 */
public final class Solstice {

  private Solstice() {}

  // ---------------------------------------------------------------- train

  /**
   * Trains for {@code epochs} epochs with the {@linkplain TrainOptions#defaults() default
   * options}: validation after every epoch.
   *
   * @param experiment the experiment to start from
   * @param epochs the number of epochs, at least 0
   * @param trainSource the train batches; subscribed again for each epoch
   * @param valSource the validation batches, subscribed again for each validation; null for
   *     none
   * @param callbacks synchronous callbacks, called in list order
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return a {@code Mono} that runs the training when subscribed and emits the final
   *     experiment (the one so far, after an early stop)
   */
  public static <E extends Experiment<E, B, O>, B, O> Mono<E> train(
      E experiment,
      int epochs,
      Publisher<? extends B> trainSource,
      Publisher<? extends B> valSource,
      List<? extends Callback<? super E, ? super B, ? super O>> callbacks) {
    return train(experiment, epochs, trainSource, valSource, callbacks, TrainOptions.defaults());
  }

  /**
   * Trains for {@code epochs} epochs with the given options.
   *
   * @param experiment the experiment to start from (restored from the checkpoint when the
   *     options resume from a position)
   * @param epochs the total number of epochs, at least 0
   * @param trainSource the train batches; subscribed again for each epoch
   * @param valSource the validation batches, or null
   * @param callbacks synchronous callbacks, called in list order
   * @param options cadence, limits, prefetch, threads, observers, resume position
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return a {@code Mono} that runs the training when subscribed and emits the final
   *     experiment
   */
  public static <E extends Experiment<E, B, O>, B, O> Mono<E> train(
      E experiment,
      int epochs,
      Publisher<? extends B> trainSource,
      Publisher<? extends B> valSource,
      List<? extends Callback<? super E, ? super B, ? super O>> callbacks,
      TrainOptions options) {
    checkArguments(experiment, trainSource, callbacks, options);
    checkEpochs(epochs);
    return Mono.defer(() -> {
      Engine<E, B, O> engine = engine(experiment, callbacks, options.observers(), config(options));
      return engine.train(epochs, trainSource, valSource)
          .then(Mono.fromCallable(engine::experiment));
    });
  }

  /**
   * The training run as the stream of its step results (train and val), for composing:
   * {@code run(...).transform(MetricOperators.perEpoch())}. Same contract as
   * {@link #train(Experiment, int, Publisher, Publisher, List, TrainOptions)}.
   *
   * @param experiment the experiment to start from
   * @param epochs the total number of epochs, at least 0
   * @param trainSource the train batches
   * @param valSource the validation batches, or null
   * @param callbacks synchronous callbacks
   * @param options the options
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the step results, emitted on the training thread
   */
  public static <E extends Experiment<E, B, O>, B, O> Flux<StepResult<E, O>> run(
      E experiment,
      int epochs,
      Publisher<? extends B> trainSource,
      Publisher<? extends B> valSource,
      List<? extends Callback<? super E, ? super B, ? super O>> callbacks,
      TrainOptions options) {
    checkArguments(experiment, trainSource, callbacks, options);
    checkEpochs(epochs);
    return Flux.defer(() -> engine(experiment, callbacks, options.observers(), config(options))
        .train(epochs, trainSource, valSource));
  }

  /**
   * Trains and waits for the result: {@code train(...).block()}, with the run's error
   * rethrown as is (a {@link TrainingException}).
   *
   * @param experiment the experiment to start from
   * @param epochs the number of epochs
   * @param trainSource the train batches
   * @param valSource the validation batches, or null
   * @param callbacks synchronous callbacks
   * @param options the options
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the final experiment
   * @throws TrainingException when the run failed
   */
  public static <E extends Experiment<E, B, O>, B, O> E trainBlocking(
      E experiment,
      int epochs,
      Publisher<? extends B> trainSource,
      Publisher<? extends B> valSource,
      List<? extends Callback<? super E, ? super B, ? super O>> callbacks,
      TrainOptions options) {
    return train(experiment, epochs, trainSource, valSource, callbacks, options).block();
  }

  /**
   * Trains with the default options and waits for the result.
   *
   * @param experiment the experiment to start from
   * @param epochs the number of epochs
   * @param trainSource the train batches
   * @param valSource the validation batches, or null
   * @param callbacks synchronous callbacks
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the final experiment
   * @throws TrainingException when the run failed
   */
  public static <E extends Experiment<E, B, O>, B, O> E trainBlocking(
      E experiment,
      int epochs,
      Publisher<? extends B> trainSource,
      Publisher<? extends B> valSource,
      List<? extends Callback<? super E, ? super B, ? super O>> callbacks) {
    return trainBlocking(
        experiment, epochs, trainSource, valSource, callbacks, TrainOptions.defaults());
  }

  // ---------------------------------------------------------------- test

  /**
   * Evaluates the experiment on every batch of a source (one TEST epoch).
   *
   * @param experiment the experiment
   * @param testSource the test batches
   * @param callbacks synchronous callbacks
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the outputs of every step, in order
   */
  public static <E extends Experiment<E, B, O>, B, O> Mono<List<O>> test(
      E experiment,
      Publisher<? extends B> testSource,
      List<? extends Callback<? super E, ? super B, ? super O>> callbacks) {
    return test(experiment, testSource, callbacks, TrainOptions.defaults());
  }

  /**
   * Evaluates the experiment on every batch of a source with the given engine options
   * (prefetch, threads, observers; cadence and limits do not apply).
   *
   * @param experiment the experiment
   * @param testSource the test batches
   * @param callbacks synchronous callbacks
   * @param options the options
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the outputs of every step, in order
   */
  public static <E extends Experiment<E, B, O>, B, O> Mono<List<O>> test(
      E experiment,
      Publisher<? extends B> testSource,
      List<? extends Callback<? super E, ? super B, ? super O>> callbacks,
      TrainOptions options) {
    checkArguments(experiment, testSource, callbacks, options);
    return Flux.defer(() -> engine(experiment, callbacks, options.observers(), config(options))
            .test(testSource))
        .map(StepResult::outputs)
        .collectList();
  }

  /**
   * Evaluates the experiment on every batch and merges the metrics of all steps.
   *
   * @param experiment the experiment
   * @param testSource the test batches
   * @param callbacks synchronous callbacks
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <M> the metrics type
   * @return the merged metrics; empty when the source had no batch
   */
  public static <E extends Experiment<E, B, M>, B, M extends Metrics<M>> Mono<M> testMetrics(
      E experiment,
      Publisher<? extends B> testSource,
      List<? extends Callback<? super E, ? super B, ? super M>> callbacks) {
    return test(experiment, testSource, callbacks)
        .flatMap(outputs -> Flux.fromIterable(outputs).reduce(Metrics::merge));
  }

  // ---------------------------------------------------------------- online fit

  /**
   * Online training over a source that may never complete, without validation or callbacks.
   *
   * @param experiment the experiment to start from
   * @param source the train batches, read once
   * @param options prefetch, limits, prequential evaluation
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the step results; the run lasts until the source completes, a limit or an early
   *     stop ends it, or the subscriber cancels (for example with {@code take(n)})
   */
  public static <E extends Experiment<E, B, O>, B, O> Flux<StepResult<E, O>> fit(
      E experiment, Publisher<? extends B> source, FitOptions options) {
    return fit(experiment, source, null, List.of(), options);
  }

  /**
   * Online training over a source that may never complete, with validation and checkpoints
   * at a cadence in steps ({@link TrainOptions.Builder#validateEverySteps},
   * {@link TrainOptions.Builder#checkpointEvery}) and optional prequential evaluation.
   *
   * @param experiment the experiment to start from
   * @param source the train batches, read once
   * @param valSource the validation batches, subscribed again for each validation; or null
   * @param callbacks synchronous callbacks
   * @param options the options
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the step results (train, and val when validating), emitted on the training thread
   */
  public static <E extends Experiment<E, B, O>, B, O> Flux<StepResult<E, O>> fit(
      E experiment,
      Publisher<? extends B> source,
      Publisher<? extends B> valSource,
      List<? extends Callback<? super E, ? super B, ? super O>> callbacks,
      FitOptions options) {
    Objects.requireNonNull(options, "options");
    checkArguments(experiment, source, callbacks, options.engine());
    return Flux.defer(() -> engine(
            experiment, callbacks, options.engine().observers(), config(options))
        .fit(source, valSource));
  }

  // ---------------------------------------------------------------- operators

  /**
   * The train step as an operator, for pipelines built by hand: {@code
   * batches.transform(Solstice.trainStep(exp))}. It runs each batch through {@code
   * trainStep} on the thread that delivers it, continues with the returned experiment,
   * closes {@link AutoCloseable} batches after their step (and discarded ones), and numbers
   * steps from 0 for each subscription, all in epoch 0. It has no callbacks and no threads of
   * its own; use {@code publishOn} to choose the thread.
   *
   * @param experiment the experiment to start from, for each subscription
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the operator
   */
  public static <E extends Experiment<E, B, O>, B, O>
      Function<Flux<B>, Flux<StepResult<E, O>>> trainStep(E experiment) {
    Objects.requireNonNull(experiment, "experiment");
    return batches -> StepOperator.apply(batches, experiment, Mode.TRAIN);
  }

  /**
   * The eval step as an operator; like {@link #trainStep} but through {@code evalStep}, with
   * results in mode TEST.
   *
   * @param experiment the experiment to evaluate
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the operator
   */
  public static <E extends Experiment<E, B, O>, B, O>
      Function<Flux<B>, Flux<StepResult<E, O>>> evalStep(E experiment) {
    Objects.requireNonNull(experiment, "experiment");
    return batches -> StepOperator.apply(batches, experiment, Mode.TEST);
  }

  // ---------------------------------------------------------------- plumbing

  private static <E extends Experiment<E, B, O>, B, O> Engine<E, B, O> engine(
      E experiment,
      List<? extends Callback<? super E, ? super B, ? super O>> callbacks,
      List<AsyncObserver<?, ?>> observers,
      EngineConfig config) {
    List<Consumer<TrainingEvent<E, O>>> sinks = new ArrayList<>();
    for (AsyncObserver<?, ?> observer : observers) {
      @SuppressWarnings("unchecked")
      AsyncObserver<E, O> typed = (AsyncObserver<E, O>) observer;
      sinks.add(typed::publish);
    }
    return new Engine<>(experiment, callbacks, sinks, config);
  }

  private static EngineConfig config(TrainOptions o) {
    return config(o, false, 1, 1);
  }

  private static EngineConfig config(FitOptions f) {
    return config(f.engine(), f.prequential(), f.windowSize(), f.fadingFactor());
  }

  private static EngineConfig config(
      TrainOptions o, boolean prequential, int windowSize, double fadingFactor) {
    return new EngineConfig(o.prefetch(), o.validateEveryEpochs(), o.validateEverySteps(),
        o.limitTrainBatches(), o.limitValBatches(), o.maxSteps(), o.maxTime().orElse(null),
        o.timer(), o.stepThreadFactory(), o.sourceScheduler(), o.resumeFrom(),
        o.checkpointEvery(), o.checkpointHook(), prequential, windowSize, fadingFactor,
        o.nonFinite());
  }

  private static void checkArguments(
      Object experiment, Publisher<?> source, List<?> callbacks, TrainOptions options) {
    Objects.requireNonNull(experiment, "experiment");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(callbacks, "callbacks (pass List.of() for none)");
    Objects.requireNonNull(options, "options");
  }

  private static void checkEpochs(int epochs) {
    if (epochs < 0) {
      throw new IllegalArgumentException("epochs must be >= 0, was " + epochs);
    }
  }

  /** The engine-free step operator behind {@link #trainStep} and {@link #evalStep}. */
  private static final class StepOperator {
    private StepOperator() {}

    @SuppressWarnings("try") // the batch is a resource only to be closed
    static <E extends Experiment<E, B, O>, B, O> Flux<StepResult<E, O>> apply(
        Flux<B> batches, E start, Mode mode) {
      return Flux.defer(() -> {
        Object[] current = {start};
        long[] steps = {0};
        // The batch the step closed last: an operator may hand it to the discard hook after a
        // failed step, and it must not be closed twice.
        Object[] closedByStep = {null};
        return batches
            .<StepResult<E, O>>handle((batch, sink) -> {
              @SuppressWarnings("unchecked")
              E experiment = (E) current[0];
              closedByStep[0] = batch;
              try (AutoCloseable owned = batch instanceof AutoCloseable c ? c : null) {
                Step<E, O> step = mode == Mode.TRAIN
                    ? experiment.trainStep(batch)
                    : experiment.evalStep(batch);
                current[0] = step.experiment();
                long number = steps[0]++;
                sink.next(new StepResult<>(step.experiment(), step.outputs(), mode, 0, number,
                    new RunPosition(0, number + 1, mode == Mode.TRAIN ? number + 1 : 0, 0),
                    null));
              } catch (Exception e) {
                sink.error(e);
              }
            })
            .doOnDiscard(AutoCloseable.class, batch -> {
              if (batch != closedByStep[0]) {
                closeDiscarded(batch);
              }
            });
      });
    }

    private static void closeDiscarded(AutoCloseable batch) {
      try {
        batch.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing a discarded batch failed: " + batch, e);
      }
    }
  }
}
