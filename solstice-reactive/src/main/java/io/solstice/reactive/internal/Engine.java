package io.solstice.reactive.internal;

import io.solstice.core.Callback;
import io.solstice.core.EarlyStoppingException;
import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.Step;
import io.solstice.core.metrics.Metrics;
import io.solstice.reactive.NonFiniteException;
import io.solstice.reactive.NonFinitePolicy;
import io.solstice.reactive.Prequential;
import io.solstice.reactive.PrequentialMetrics;
import io.solstice.reactive.StepResult;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.SynchronousSink;
import reactor.core.scheduler.Schedulers;

/**
 * One run of the engine: builds the {@code Flux} of step results for a train, test or fit
 * run, and owns the run's threads, batch scopes and callbacks. A new engine is made for each
 * subscription, so a run publisher can be subscribed more than once.
 *
 * <p>Structure of a train run: {@code range(epochs).concatMap(epoch -> train epoch, then
 * validation)}, each epoch being {@code defer(onEpochStart) + batches + onEpochEnd}, and the
 * batches of an epoch {@code source -> register -> subscribeOn(reader) -> cancelOn(reader) -> limitRate(prefetch,
 * 1) -> publishOn(step, 1) -> handle(step)}. Everything after {@code publishOn} runs on the training thread.
 *
 * @param <E> the experiment type
 * @param <B> the batch type
 * @param <O> the step-output type
 */
public final class Engine<E extends Experiment<E, B, O>, B, O> {

  private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

  private final EngineConfig config;
  private final RunState<E> state;
  private final CallbackChain<E, B, O> hooks;
  private final RunThreads threads;
  private final List<BatchScope> scopes = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final AtomicBoolean ended = new AtomicBoolean();
  @SuppressWarnings("rawtypes")
  private final Prequential prequential;
  private volatile Disposable timer;

  /**
   * Prepares a run; nothing starts until the returned publisher is subscribed.
   *
   * @param experiment the experiment to start from
   * @param callbacks the synchronous callbacks, in call order
   * @param observers the asynchronous observers' publish functions
   * @param config the settings
   */
  @SuppressWarnings("rawtypes")
  public Engine(
      E experiment,
      List<? extends Callback<? super E, ? super B, ? super O>> callbacks,
      List<Consumer<TrainingEvent<E, O>>> observers,
      EngineConfig config) {
    this.config = config;
    this.state = new RunState<>(experiment, config.resumeFrom());
    this.hooks = new CallbackChain<>(callbacks, observers, state);
    this.threads = new RunThreads(config.stepThreadFactory(), config.sourceScheduler());
    this.prequential =
        config.prequential() ? new Prequential(config.windowSize(), config.fadingFactor()) : null;
  }

  /**
   * The experiment the run continues with; read it after the run has terminated.
   *
   * @return the current experiment
   */
  public E experiment() {
    return state.experiment;
  }

  /**
   * A training run over epochs, with validation at the configured cadence.
   *
   * @param epochs the total number of epochs (a resumed run does only those after its
   *     position)
   * @param trainSource the train batches, subscribed once per epoch
   * @param valSource the validation batches, or null
   * @return the step results of the run, train and val
   */
  public Flux<StepResult<E, O>> train(
      int epochs, Publisher<? extends B> trainSource, Publisher<? extends B> valSource) {
    int first = config.resumeFrom().epoch();
    Flux<StepResult<E, O>> body = Flux.range(first, Math.max(0, epochs - first))
        .takeWhile(epoch -> !state.stopping())
        .concatMap(epoch -> Flux.concat(
            trainEpoch(epoch, trainSource, valSource),
            Flux.defer(() -> validationDueAfterEpoch(epoch, valSource)
                ? epoch(Mode.VAL, epoch, valSource, config.limitValBatches(), 0, null)
                : Flux.empty())), 0);
    return run(body);
  }

  /**
   * An online run: one train epoch over a source that may never complete, with validation at
   * a step cadence.
   *
   * @param source the train batches
   * @param valSource the validation batches, or null
   * @return the step results, train and val
   */
  public Flux<StepResult<E, O>> fit(Publisher<? extends B> source, Publisher<? extends B> valSource) {
    return run(Flux.defer(() -> trainEpoch(config.resumeFrom().epoch(), source, valSource)));
  }

  /**
   * A test run: one TEST epoch over the source.
   *
   * @param source the test batches
   * @return the step results
   */
  public Flux<StepResult<E, O>> test(Publisher<? extends B> source) {
    return run(Flux.defer(() -> epoch(Mode.TEST, 0, source, Long.MAX_VALUE, 0, null)));
  }

  private Flux<StepResult<E, O>> trainEpoch(
      int epoch, Publisher<? extends B> source, Publisher<? extends B> valSource) {
    long skip = epoch == config.resumeFrom().epoch() ? config.resumeFrom().batchesIntoEpoch() : 0;
    return epoch(Mode.TRAIN, epoch, source, config.limitTrainBatches(), skip, valSource);
  }

  private boolean validationDueAfterEpoch(int epoch, Publisher<? extends B> valSource) {
    return valSource != null
        && !state.stopping()
        && config.validateEveryEpochs() > 0
        && (epoch + 1) % config.validateEveryEpochs() == 0;
  }

  private boolean validationDueAfterStep(StepResult<E, O> result, Publisher<? extends B> valSource) {
    return valSource != null
        && result.mode() == Mode.TRAIN
        && !state.stopping()
        && config.validateEverySteps() > 0
        && state.trainSteps % config.validateEverySteps() == 0;
  }

  // ---- the run: start, normal end, failure, cancellation ----

  private Flux<StepResult<E, O>> run(Flux<StepResult<E, O>> body) {
    return Flux.defer(() -> {
          startTimer();
          return body;
        })
        .concatWith(Mono.fromRunnable(this::endNormally))
        .onErrorResume(error -> Mono.error(endFailed(error)))
        .doFinally(signal -> {
          if (signal != SignalType.CANCEL) {
            release();
          }
        })
        .subscribeOn(threads.step())
        // Outside subscribeOn, so that a cancel that arrives before the run was subscribed on
        // the training thread (the subscription task then never runs) still ends the run:
        // onRunEnd(CANCELLED) once, and the run's threads released. doFinally runs after the
        // cancel has travelled upstream, so each source's cancellation is already queued on
        // its reader thread when the release shuts that thread down: a source's cleanup then
        // never runs on another thread while a read is in progress.
        .doFinally(signal -> {
          if (signal == SignalType.CANCEL) {
            cancelled();
          }
        });
  }

  private void startTimer() {
    if (config.maxTime() != null) {
      timer = Mono.delay(config.maxTime(),
              config.timer() != null ? config.timer() : Schedulers.parallel())
          .subscribe(tick -> state.timeUp = true);
    }
  }

  private void endNormally() {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    closeScopes();
    RunOutcome outcome = state.stopping()
        ? RunOutcome.stoppedEarly(state.stopReason())
        : RunOutcome.COMPLETED;
    Throwable callbackError = hooks.runEnd(state.experiment, outcome);
    if (callbackError != null) {
      throw new TrainingException(state.mode, state.epoch, state.steps(state.mode), callbackError);
    }
  }

  private Throwable endFailed(Throwable error) {
    if (!ended.compareAndSet(false, true)) {
      return error; // onRunEnd already ran; this error is its own failure
    }
    closeScopes();
    Throwable failure = error instanceof TrainingException
        ? error
        : new TrainingException(state.mode, state.epoch, state.steps(state.mode), error);
    Throwable callbackError = hooks.runEnd(state.experiment, RunOutcome.failed(failure));
    if (callbackError != null) {
      failure.addSuppressed(callbackError);
    }
    return failure;
  }

  // Runs on the cancelling thread, possibly while a step is running on the training thread:
  // close what no step owns now, and leave onRunEnd and the shutdown to the training thread,
  // after the step in progress.
  private void cancelled() {
    closeScopes();
    threads.step().schedule(() -> {
      if (ended.compareAndSet(false, true)) {
        hooks.runEnd(state.experiment, RunOutcome.CANCELLED);
      }
      release();
    });
  }

  private void closeScopes() {
    scopes.forEach(BatchScope::close);
  }

  private void release() {
    Disposable t = timer;
    if (t != null) {
      t.dispose();
    }
    closeScopes();
    threads.release();
  }

  // ---- epochs and steps ----

  private Flux<StepResult<E, O>> epoch(
      Mode mode, int epoch, Publisher<? extends B> source, long limit, long skip,
      Publisher<? extends B> valSource) {
    return Flux.defer(() -> {
          state.mode = mode;
          state.epoch = epoch;
          if (mode == Mode.TRAIN) {
            state.batchesIntoEpoch = skip;
          }
          hooks.epochStart(state.experiment, epoch, mode);
          Flux<StepResult<E, O>> steps =
              state.stopping() ? Flux.empty() : batches(mode, epoch, source, limit, skip, valSource);
          return steps.concatWith(Mono.fromRunnable(() -> {
            state.mode = mode;
            state.epoch = epoch;
            hooks.epochEnd(state.experiment, epoch, mode);
          }));
        })
        .onErrorMap(error -> !(error instanceof TrainingException),
            error -> new TrainingException(mode, epoch, state.steps(mode), error));
  }

  private Flux<StepResult<E, O>> batches(
      Mode mode, int epoch, Publisher<? extends B> source, long limit, long skip,
      Publisher<? extends B> valSource) {
    BatchScope scope = new BatchScope();
    scopes.add(scope);
    long[] received = {0};
    Flux<StepResult<E, O>> steps = Flux.<B>from(source)
        .doOnNext(scope::register)
        .subscribeOn(threads.source(mode))
        // Cancel on the reader thread too, so a source's cleanup (closing a file or a stream)
        // never races a read in progress on another thread.
        .cancelOn(threads.source(mode))
        // The prefetch buffer: up to `prefetch` batches requested ahead, replenished one by
        // one as the step takes them, so the reader keeps reading while the step computes
        // (publishOn alone would refill only after 3/4 of its queue was consumed).
        .limitRate(config.prefetch(), 1)
        // The hand-over to the training thread holds at most one more batch.
        .publishOn(threads.step(), 1)
        .<StepResult<E, O>>handle((batch, sink) -> {
          if (scope.claim(batch)) {
            received[0]++;
            boolean more = stepOwned(mode, epoch, batch, received[0] <= skip, sink);
            if (more && received[0] >= limit) {
              sink.complete();
            }
          }
        });
    if (mode == Mode.TRAIN && config.validateEverySteps() > 0 && valSource != null) {
      steps = steps.concatMap(result -> validationDueAfterStep(result, valSource)
          ? Flux.just(result).concatWith(
              epoch(Mode.VAL, epoch, valSource, config.limitValBatches(), 0, null)
                  .doOnComplete(() -> state.mode = Mode.TRAIN))
          : Flux.just(result), 0);
    }
    // Closing the scope before the terminal signal travels on keeps batches alive bounded
    // across epochs; the discard hook covers operators that do pass discarded items on.
    return steps
        .doOnComplete(scope::close)
        .doOnError(error -> scope.close())
        .doOnCancel(scope::close)
        .doOnDiscard(Object.class, scope::discard)
        .doFinally(signal -> scopes.remove(scope));
  }

  // The batch is owned here: it is closed when this method returns, whatever happens.
  // Returns false when it terminated the sink (the run stops, or the step failed).
  @SuppressWarnings("try") // the batch is a resource only to be closed
  private boolean stepOwned(
      Mode mode, int epoch, B batch, boolean skipped, SynchronousSink<StepResult<E, O>> sink) {
    long number = state.steps(mode);
    try (AutoCloseable owned = batch instanceof AutoCloseable c ? c : null) {
      if (!skipped && !state.stopping()) {
        StepResult<E, O> result = step(mode, epoch, batch);
        if (result != null) {
          sink.next(result);
        }
      }
    } catch (EarlyStoppingException stop) {
      state.requestStop(stop);
    } catch (Exception e) {
      // Named here, where the step is known: a failure to close its batch, or in the
      // checkpoint after it, belongs to this step although the counter has moved on.
      sink.error(new TrainingException(mode, epoch, number, e));
      return false;
    }
    if (state.stopping()) {
      sink.complete();
      return false;
    }
    return true;
  }

  /**
   * One step with its hooks; null when no step was accepted: an early stop from onStepStart,
   * or a batch or loss refused by the non-finite policy (checked before onStepStart and before
   * the step's result is accepted, so a refused step runs no onStepEnd and takes no number).
   */
  private StepResult<E, O> step(Mode mode, int epoch, B batch) throws Exception {
    long number = state.steps(mode);
    String badFeatures = NonFiniteCheck.features(batch);
    if (badFeatures != null) {
      refuseNonFinite(mode, epoch, number, badFeatures, true);
      return null;
    }
    hooks.stepStart(state.experiment, epoch, number, mode, batch);
    if (state.stopping()) {
      return null;
    }
    PrequentialMetrics<O> evaluation = mode == Mode.TRAIN && prequential != null
        ? evaluateFirst(batch)
        : null;
    E current = state.experiment;
    Step<E, O> step = mode == Mode.TRAIN ? current.trainStep(batch) : current.evalStep(batch);
    String badLoss = NonFiniteCheck.loss(step.outputs());
    if (badLoss != null) {
      // The previous experiment is still valid only if the step returned a new one.
      boolean undoable = step.experiment() != current;
      refuseNonFinite(mode, epoch, number, undoable ? badLoss : badLoss
          + "; the experiment updated its arrays in place, so this step cannot be skipped"
          + " after the fact", undoable);
      return null;
    }
    state.experiment = step.experiment();
    hooks.stepEnd(step.outputs(), step.experiment(), epoch, number, mode, batch);
    state.countStep(mode);
    if (mode == Mode.TRAIN) {
      afterTrainStep();
    }
    return new StepResult<>(
        step.experiment(), step.outputs(), mode, epoch, number, state.position(), evaluation,
        state.skippedBatches);
  }

  // Applies the non-finite policy to a batch that will not become a step: throws under FAIL
  // (and under SKIP_BATCH when the step cannot be undone), asks for a stop under STOP, and
  // counts the batch as skipped under SKIP_BATCH.
  private void refuseNonFinite(Mode mode, int epoch, long number, String what, boolean skippable) {
    NonFinitePolicy policy = config.nonFinite();
    NonFiniteException found = new NonFiniteException(policy, mode, epoch, number, what);
    switch (policy) {
      case FAIL -> throw found;
      case STOP -> state.requestStop(found);
      case SKIP_BATCH -> {
        if (!skippable) {
          throw found;
        }
        state.countSkipped(mode);
        LOG.warn("Skipped a batch: {}", found.getMessage());
      }
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private PrequentialMetrics<O> evaluateFirst(B batch) {
    Step<E, O> eval = state.experiment.evalStep(batch);
    state.experiment = eval.experiment();
    if (!(eval.outputs() instanceof Metrics metrics)) {
      throw new IllegalStateException("prequential evaluation merges the outputs of evalStep, "
          + "which must implement Metrics, but evalStep returned "
          + eval.outputs().getClass().getName()
          + "; return a Metrics from evalStep or turn prequential evaluation off");
    }
    return (PrequentialMetrics<O>) prequential.accept(metrics);
  }

  private void afterTrainStep() throws Exception {
    if (config.checkpointEvery() > 0 && state.trainSteps % config.checkpointEvery() == 0) {
      config.checkpointHook().save(state.experiment, state.position());
    }
    if (state.trainSteps >= config.maxSteps()) {
      state.requestStop(null);
    }
  }
}
