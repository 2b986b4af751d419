package io.solstice.reactive.internal;

import io.solstice.core.EarlyStoppingException;
import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.NonFiniteFeaturesException;
import io.solstice.core.RefusesNonFiniteFeatures;
import io.solstice.core.RowEvaluation;
import io.solstice.core.RunOutcome;
import io.solstice.core.Step;
import io.solstice.core.metrics.Metrics;
import io.solstice.reactive.NonFiniteException;
import io.solstice.reactive.Prequential;
import io.solstice.reactive.PrequentialMetrics;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * One run of the engine: the {@code Flux} of its {@link TrainingEvent}s, and the run's threads,
 * batch scopes and subscribers. A new engine is made for each subscription, so a run can be
 * subscribed more than once.
 *
 * <p>Structure: {@code RunStarted, range(epochs).concatMap(epoch -> train epoch, then
 * validation), RunEnded}. An epoch is {@code EpochStarted}, its steps, and {@code EpochEnded},
 * whose metrics are the running merge ({@link RunTotals}) of the epoch's {@code StepEnded}
 * outputs of its mode. The
 * batches of an epoch go {@code source -> register -> subscribeOn(reader) -> cancelOn(reader) ->
 * limitRate(prefetch, 1) -> publishOn(step, 1) -> concatMap(step when its events are requested)};
 * everything after {@code publishOn} runs on the training thread. A source already in memory
 * ({@link InMemorySource}) skips the reader and the hand-over: the training thread takes its
 * batches one at a time as it goes.
 *
 * @param <E> the experiment type
 * @param <B> the batch type
 * @param <O> the step-output type
 */
public final class Engine<E extends Experiment<E, B, O>, B, O> {

  private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
  // A source cancelled mid-read finishes that read first; one read should never take this long.
  private static final Duration SOURCE_RELEASE_WAIT = Duration.ofSeconds(60);

  private final RunSettings config;
  private final RunState<E> state;
  private final RunThreads threads;
  private final List<BatchScope> scopes = new CopyOnWriteArrayList<>();
  // The scopes whose batches may still wait for a step: a source that completed leaves its
  // read-ahead in the buffers, so this outlives the entry in `scopes` until the scope closes.
  private final List<BatchScope> waiting = new CopyOnWriteArrayList<>();
  private final AtomicBoolean ended = new AtomicBoolean();
  private EventDispatcher<E, O> dispatcher;
  private volatile Disposable timer;
  // Where the time between steps went (training thread only).
  private long lastStepDone;
  private long subscriberNanosSinceStep;

  /**
   * Prepares a run; nothing starts until {@link #events()} is subscribed.
   *
   * @param experiment the experiment to start from
   * @param config the run's specification
   */
  @SuppressWarnings("rawtypes")
  public Engine(E experiment, RunSettings config) {
    this.config = config;
    this.state = new RunState<>(experiment, config.resumeFrom, this::batchesInFlight, config.prefetch,
        config.prequential ? new Prequential(config.windowSize, config.fadingFactor) : null);
    this.threads = config.stepLanes != null
        ? new RunThreads(config.stepLanes, config.readerLanes)
        : new RunThreads(config.stepThreadFactory);
  }

  /**
   * The run's events: a train run over epochs with validation at the configured cadence, or a
   * test run of one TEST epoch.
   *
   * @return the events
   */
  @SuppressWarnings("unchecked")
  public Flux<TrainingEvent<E, O>> events() {
    Flux<TrainingEvent<E, O>> body;
    if (config.testSource != null) {
      body = epoch(Mode.TEST, 0, config.testSource, Long.MAX_VALUE, 0);
    } else {
      int first = config.resumeFrom.epoch();
      body = Flux.range(first, Math.max(0, config.epochs - first))
          // A run resumed at its step limit has nothing left to train: it ends as one that
          // reached the limit, without another step.
          .doOnSubscribe(ignored -> stopAtTheStepLimit())
          .takeWhile(epoch -> !state.isStopping())
          .concatMap(epoch -> Flux.concat(
              trainEpoch(epoch),
              Flux.defer(() -> validationDueAfterEpoch(epoch)
                  ? validation(epoch)
                  : Flux.empty())), 0);
    }
    return run(body);
  }

  private void stopAtTheStepLimit() {
    if (state.trainSteps >= config.maxSteps) {
      state.requestStop(null);
    }
  }

  private Flux<TrainingEvent<E, O>> trainEpoch(int epoch) {
    long skip = epoch == config.resumeFrom.epoch() ? config.resumeFrom.batchesIntoEpoch() : 0;
    return epoch(Mode.TRAIN, epoch, config.trainSource, config.limitTrainBatches, skip);
  }

  private Flux<TrainingEvent<E, O>> validation(int epoch) {
    return epoch(Mode.VAL, epoch, config.valSource, config.limitValBatches, 0);
  }

  private boolean validationDueAfterEpoch(int epoch) {
    return !state.isStopping() && validationScheduledAfterEpoch(epoch);
  }

  private boolean validationScheduledAfterEpoch(int epoch) {
    return config.valSource != null
        && config.validateEveryEpochs > 0
        && (epoch + 1) % config.validateEveryEpochs == 0;
  }

  private boolean stepCadenceValidation(Mode mode) {
    return mode == Mode.TRAIN && config.validateEverySteps > 0 && config.valSource != null;
  }

  private boolean validationDueAfter(List<TrainingEvent<E, O>> stepEvents) {
    return stepEvents.stream().anyMatch(TrainingEvent.StepEnded.class::isInstance)
        && !state.isStopping()
        && state.trainSteps % config.validateEverySteps == 0;
  }

  /**
   * Whether the batch just skipped is the last one before a resumed run's position, where a
   * step-cadence validation had been cut short: the run repeats it before its next train step.
   */
  private boolean cutShortBeforeResume(long received, long skip) {
    if (received != skip || !state.resumedInsideCadenceValidation || state.isStopping()) {
      return false;
    }
    state.resumedInsideCadenceValidation = false;
    return true;
  }

  // ---- the run: start, normal end, failure, cancellation ----

  private Flux<TrainingEvent<E, O>> run(Flux<TrainingEvent<E, O>> body) {
    return Flux.defer(() -> {
          startTimer();
          dispatcher = new EventDispatcher<>(config, state);
          return Flux.concat(
              emit(new TrainingEvent.RunStarted<>(state, state.experiment, config.resumeFrom)),
              body);
        })
        .concatWith(Flux.defer(this::endNormally))
        .onErrorResume(this::endFailed)
        .doFinally(signal -> {
          if (signal != SignalType.CANCEL) {
            release();
          }
        })
        .subscribeOn(threads.step())
        // Outside subscribeOn, so that a cancel that arrives before the run was subscribed on
        // the training thread (the subscription task then never runs) still ends the run. It
        // runs after the cancel has travelled upstream, so each source's cancellation is
        // already queued on its reader thread when the run waits for it.
        .doFinally(signal -> {
          if (signal == SignalType.CANCEL) {
            cancelled();
          }
        });
  }

  private void startTimer() {
    if (config.maxTime != null) {
      timer = Mono.delay(config.maxTime,
              config.timer != null ? config.timer : Schedulers.parallel())
          .subscribe(tick -> state.timeUp = true);
    }
  }

  private Flux<TrainingEvent<E, O>> endNormally() {
    if (!ended.compareAndSet(false, true)) {
      return Flux.empty();
    }
    closeScopesAndAwaitSources();
    RunOutcome outcome = state.isStopping()
        ? RunOutcome.stoppedEarly(state.stopReason())
        : RunOutcome.COMPLETED;
    TrainingEvent.RunEnded<E, O> last = runEnded(outcome);
    Throwable subscriberError = dispatcher.runEnded(last);
    Flux<TrainingEvent<E, O>> end = Flux.just(last);
    if (subscriberError != null) {
      return end.concatWith(Flux.error(new TrainingException(
          state.mode, state.epoch, state.steps(state.mode), subscriberError)));
    }
    return end;
  }

  // Called inside the error signal, before the operator that failed has cancelled its
  // upstream: the end of the run is scheduled on the training thread after the current task, so
  // the sources' cancellations are already queued when the run waits for them.
  private Flux<TrainingEvent<E, O>> endFailed(Throwable error) {
    return Flux.defer(() -> {
      if (!ended.compareAndSet(false, true)) {
        return Flux.<TrainingEvent<E, O>>error(error); // RunEnded went out already
      }
      closeScopesAndAwaitSources();
      Throwable failure = error instanceof TrainingException
          ? error
          : new TrainingException(state.mode, state.epoch, state.steps(state.mode), error);
      TrainingEvent.RunEnded<E, O> last = runEnded(RunOutcome.failed(failure));
      Throwable subscriberError = dispatcher == null ? null : dispatcher.runEnded(last);
      if (subscriberError != null) {
        failure.addSuppressed(subscriberError);
      }
      return Flux.<TrainingEvent<E, O>>just(last).concatWith(Flux.error(failure));
    }).subscribeOn(threads.step());
  }

  // The experiment and the position (with the run's totals) go together: a run resumed from
  // RunEnded's pair continues exactly, even after a validation cut short (which it repeats from
  // the experiment it started from).
  private TrainingEvent.RunEnded<E, O> runEnded(RunOutcome outcome) {
    return new TrainingEvent.RunEnded<>(
        state, state.resumableExperiment(), outcome, state.withEngineState(state.position()));
  }

  // Runs on the cancelling thread, possibly while a step is running on the training thread:
  // close what no step owns now, and leave the end of the run to the training thread, after the
  // step in progress.
  private void cancelled() {
    closeScopes();
    threads.step().schedule(() -> {
      if (ended.compareAndSet(false, true)) {
        closeScopesAndAwaitSources();
        Throwable subscriberError = dispatcher == null ? null : dispatcher.runEnded(runEnded(RunOutcome.CANCELLED));
        if (subscriberError != null) {
          // The run's own subscriber has cancelled, so nothing is left to signal it to.
          LOG.error("A subscriber failed handling RunEnded of a cancelled run", subscriberError);
        }
      }
      release();
    });
  }

  private void closeScopes() {
    scopes.forEach(BatchScope::close);
  }

  // The run ends only when nothing of it is left: every batch closed and every source
  // subscription done with its cancellation (at most one read in progress, on its reader).
  private void closeScopesAndAwaitSources() {
    closeScopes();
    for (BatchScope scope : List.copyOf(scopes)) {
      try {
        if (!scope.awaitSourceReleased(SOURCE_RELEASE_WAIT)) {
          LOG.warn("A source had not finished its cancellation {} after the run ended; the run "
              + "ends without it", SOURCE_RELEASE_WAIT);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void release() {
    Disposable t = timer;
    if (t != null) {
      t.dispose();
    }
    closeScopes();
    threads.release();
    state.markTerminated();
  }

  // ---- epochs and steps ----

  private Flux<TrainingEvent<E, O>> epoch(
      Mode mode, int epoch, Publisher<?> source, long limit, long skip) {
    return Flux.defer(() -> {
          enter(mode, epoch);
          state.totals.startEpoch(mode, epoch);
          if (mode == Mode.TRAIN) {
            state.batchesIntoEpoch = skip;
            state.trainEpochEnded = false;
            state.epochComplete = false;
          } else if (mode == Mode.VAL) {
            // The epoch's validation, or one at a step cadence: from here until it ends, the
            // position is its start.
            state.validationStarted(!state.trainEpochEnded);
          }
          List<TrainingEvent<E, O>> started;
          try {
            started = deliver(new TrainingEvent.EpochStarted<>(state, state.experiment, epoch, mode));
          } catch (Exception e) {
            return Flux.error(e);
          }
          lastStepDone = System.nanoTime();
          Flux<TrainingEvent<E, O>> steps =
              state.isStopping() ? Flux.empty() : batches(mode, epoch, source, limit, skip);
          return Flux.concat(Flux.fromIterable(started), steps, Flux.defer(() -> {
            try {
              return Flux.fromIterable(
                  epochEnded(mode, epoch, state.totals.steps(mode), state.totals.merged(mode)));
            } catch (Exception e) {
              return Flux.error(e);
            }
          }));
        })
        .onErrorMap(error -> !(error instanceof TrainingException),
            error -> new TrainingException(mode, epoch, state.steps(mode), error));
  }

  private void enter(Mode mode, int epoch) {
    state.mode = mode;
    state.epoch = epoch;
  }

  @SuppressWarnings("unchecked")
  private List<TrainingEvent<E, O>> epochEnded(Mode mode, int epoch, long steps, Object merged)
      throws Exception {
    enter(mode, epoch);
    O metrics = (O) merged;
    Map<String, Double> values =
        merged instanceof Metrics<?> m ? m.compute() : Map.of();
    // An epoch that a stop (a subscriber, maxSteps, maxTime, the non-finite policy) cut short saw
    // only part of its data: its events say so, for subscribers that act on results.
    boolean complete = !state.isStopping();
    if (mode == Mode.TRAIN) {
      state.trainEpochEnded = true;
      // Not validationDueAfterEpoch: a stop requested since `complete` was read (maxTime, another
      // thread) would count a validation that never runs as done.
      state.epochComplete = complete && !validationScheduledAfterEpoch(epoch);
    } else if (mode == Mode.VAL && complete) {
      // A validation cut short leaves the position at its start (and the epoch incomplete), so a
      // resumed run validates again, whole.
      state.validationEnded();
    }
    List<TrainingEvent<E, O>> events = new ArrayList<>(deliver(new TrainingEvent.EpochEnded<>(
        state, state.experiment, epoch, mode, steps, metrics, values, state.position(), complete)));
    if (mode == Mode.VAL) {
      events.addAll(deliver(new TrainingEvent.ValidationEnded<>(
          state, state.experiment, epoch, state.position(), steps, metrics, values, complete)));
      state.mode = Mode.TRAIN;
    }
    return events;
  }

  private Flux<TrainingEvent<E, O>> batches(
      Mode mode, int epoch, Publisher<?> source, long limit, long skip) {
    boolean inMemory = InMemorySource.test(source);
    // A source in memory is taken on the training thread as it goes, with nothing to release at
    // its end, so its scope's reader is whichever thread ends it.
    BatchScope scope = new BatchScope(inMemory ? Schedulers.immediate() : threads.source(mode));
    scopes.add(scope);
    waiting.add(scope);
    long[] received = {0};
    Sinks.Empty<Void> epochDone = Sinks.empty();
    Flux<Object> read = Flux.<Object>from(source)
        .doOnNext(scope::register)
        .doOnSubscribe(scope::sourceSubscribed);
    Runnable released = () -> scope.sourceTerminated(() -> scopes.remove(scope));
    Flux<Object> handedOver = inMemory
        // Before the end travels on: the end of the run, which waits for the release, may follow
        // from it on this same thread.
        ? read.doOnTerminate(released).doOnCancel(released)
        : read
            // On the reader thread, after the source has completed, failed or processed its
            // cancellation: from then on the source holds nothing.
            .doFinally(signal -> released.run())
            .subscribeOn(threads.source(mode))
            // Cancel on the reader thread too, so a source's cleanup (closing a file or a
            // stream) never races a read in progress on another thread.
            .cancelOn(threads.source(mode))
            // The prefetch buffer: up to `prefetch` batches requested ahead, replenished one by
            // one as the step takes them, so the reader keeps reading while the step computes
            // (publishOn alone would refill only after 3/4 of its queue was consumed).
            .limitRate(config.prefetch, 1)
            // The hand-over to the training thread holds at most one more batch.
            .publishOn(threads.step(), 1);
    Flux<TrainingEvent<E, O>> steps = handedOver
        // Ends the epoch (limit reached, run stopping) as soon as the step that decided it is
        // over, without waiting for another batch from a source that may be idle.
        .takeUntilOther(epochDone.asMono())
        // One batch at a time, and its step run only when the first of its events is
        // requested: no step starts while the run's subscriber has no demand (a Flux of a
        // ready list would complete without demand and let the next batch in). A validation
        // due after the step runs before the next batch.
        .concatMap(batch -> {
          StepEvents pending = new StepEvents();
          Flux<TrainingEvent<E, O>> step = Flux.generate(() -> pending, (p, sink) -> {
            if (p.events == null) {
              if (!scope.claim(batch)) {
                sink.complete();
                return p;
              }
              received[0]++;
              p.events = stepOwned(mode, epoch, batch, received[0] <= skip);
              p.validationDue = stepCadenceValidation(mode)
                  && (validationDueAfter(p.events) || cutShortBeforeResume(received[0], skip));
              if (state.isStopping() || received[0] >= limit) {
                epochDone.tryEmitEmpty();
              }
            }
            if (p.next < p.events.size()) {
              sink.next(p.events.get(p.next++));
            }
            if (p.next >= p.events.size()) {
              sink.complete();
            }
            return p;
          });
          if (threads.shared()) {
            // On a lane shared with other runs, each step is a task of its own at the end of the
            // lane's queue: the hand-over above would otherwise go on draining this run's batches
            // for as long as its source keeps up, and the lane's other runs would wait.
            step = step.subscribeOn(threads.step());
          }
          return step.concatWith(
              Flux.defer(() -> pending.validationDue ? validation(epoch) : Flux.empty()));
        }, 0);
    // Closing the scope before the terminal signal travels on keeps batches alive bounded
    // across epochs; the discard hook covers operators that do pass discarded items on.
    Runnable end = () -> {
      scope.close();
      waiting.remove(scope);
    };
    return steps
        .doOnComplete(end)
        .doOnError(error -> end.run())
        .doOnCancel(end)
        .doOnDiscard(Object.class, scope::discard);
  }

  private int batchesInFlight() {
    int sum = 0;
    for (BatchScope scope : waiting) {
      sum += scope.waiting();
    }
    return sum;
  }

  /** The events of one step, handed out one per request. */
  private final class StepEvents {
    List<TrainingEvent<E, O>> events;
    int next;
    boolean validationDue;
  }

  // The batch is owned here: it is closed when this method returns, whatever happens.
  // Returns the events to emit, those its subscribers have seen; throws the step's failure.
  @SuppressWarnings("try") // the batch is a resource only to be closed
  private List<TrainingEvent<E, O>> stepOwned(
      Mode mode, int epoch, Object batch, boolean skipped) {
    long number = state.steps(mode);
    long arrived = System.nanoTime();
    StepBatch view = new StepBatch(batch);
    List<TrainingEvent<E, O>> events = new ArrayList<>();
    try (AutoCloseable owned = batch instanceof AutoCloseable c ? c : null) {
      if (!skipped && !state.isStopping()) {
        step(mode, epoch, batch, view, arrived, events);
      }
    } catch (EarlyStoppingException stop) {
      // From the experiment's own step (or its prequential evaluation): the run stops as from
      // StepStarted, and the StepStarted its subscribers saw is emitted too.
      state.requestStop(stop);
    } catch (Exception e) {
      // Named here, where the step is known: a failure to close its batch belongs to this step
      // although the counter has moved on.
      throw new TrainingException(mode, epoch, number, e);
    } finally {
      view.release();
    }
    return events;
  }

  /**
   * One step, adding to {@code events} each event as its subscribers have seen it: none when a
   * batch's features were refused by the non-finite policy (checked before StepStarted). A loss
   * refused after the step has no StepEnded and takes no number, and an early stop from
   * StepStarted or from the step itself ends it there, after StepStarted.
   */
  private void step(Mode mode, int epoch, Object batchObject, StepBatch view, long arrived,
      List<TrainingEvent<E, O>> events) throws Exception {
    @SuppressWarnings("unchecked")
    B batch = (B) batchObject;
    long number = state.steps(mode);
    // An experiment that checks its features itself does it inside the step, for less than this
    // scan of the whole batch costs.
    String badFeatures = state.experiment instanceof RefusesNonFiniteFeatures ? null : NonFiniteCheck.features(batch);
    if (badFeatures != null) {
      refuseNonFinite(new NonFiniteException(config.nonFinite, mode, epoch, number, badFeatures, true, null), true);
      return;
    }
    long dataWait = Math.max(0, arrived - lastStepDone);
    events.addAll(deliver(new TrainingEvent.StepStarted<>(state, state.experiment, epoch, number, mode, view)));
    long subscribers = subscriberNanosSinceStep + dispatcher.lastNanos();
    if (state.isStopping()) {
      return;
    }
    Evaluation evaluated;
    E current;
    Step<E, O> step;
    long stepNanos;
    try {
      evaluated = mode == Mode.TRAIN && state.totals.prequential() ? evaluateFirst(batch) : null;
      current = state.experiment;
      long stepStart = System.nanoTime();
      step = mode == Mode.TRAIN ? current.trainStep(batch) : current.evalStep(batch);
      stepNanos = System.nanoTime() - stepStart;
    } catch (NonFiniteFeaturesException refused) {
      // Refused before the experiment changed anything: skippable, like a batch the scan refuses.
      refuseNonFinite(new NonFiniteException(config.nonFinite, mode, epoch, number,
          NonFiniteCheck.inFeatures(refused.found()), true, null), true);
      return;
    }
    String badLoss = NonFiniteCheck.loss(step.outputs());
    if (badLoss != null) {
      // The previous experiment is still valid if the step returned a new one, and always
      // after an eval step, which returns the experiment it evaluated with.
      boolean undoable = mode != Mode.TRAIN || step.experiment() != current;
      refuseNonFinite(new NonFiniteException(config.nonFinite, mode, epoch, number, badLoss, false, undoable ? null
          : "the experiment updated its arrays in place, so this step cannot be skipped after the fact"), undoable);
      return;
    }
    // Recorded only once the step is accepted: a refused step's batch leaves no trace, and a
    // non-finite evaluation would otherwise stay in the cumulative and fading sums for good.
    PrequentialMetrics<O> evaluation = evaluated == null ? null : record(evaluated);
    state.experiment = step.experiment();
    state.countStep(mode);
    state.totals.add(mode, step.outputs());
    if (mode == Mode.TRAIN) {
      stopAtTheStepLimit();
    }
    events.addAll(deliver(new TrainingEvent.StepEnded<>(state, step.experiment(), step.outputs(),
        mode, epoch, number, state.position(), evaluation, state.skippedBatches,
        new TrainingEvent.Timings(dataWait, stepNanos, subscribers), view)));
    subscriberNanosSinceStep = dispatcher.lastNanos();
    lastStepDone = System.nanoTime();
  }

  private List<TrainingEvent<E, O>> deliver(TrainingEvent<E, O> event) throws Exception {
    return dispatcher.deliver(event);
  }

  private Flux<TrainingEvent<E, O>> emit(TrainingEvent<E, O> event) {
    return Flux.defer(() -> {
      try {
        return Flux.fromIterable(deliver(event));
      } catch (Exception e) {
        return Flux.error(e);
      }
    });
  }

  // Applies the non-finite policy to a batch that will not become a step: throws under FAIL
  // (and under SKIP_BATCH when the step cannot be undone), asks for a stop under STOP, and
  // counts the batch as skipped under SKIP_BATCH.
  private void refuseNonFinite(NonFiniteException found, boolean skippable) {
    switch (found.policy()) {
      case FAIL -> throw found;
      case STOP -> state.requestStop(found);
      case SKIP_BATCH -> {
        if (!skippable) {
          throw found;
        }
        state.countSkipped(found.mode());
        LOG.warn("Skipped a batch: {}", found.getMessage());
      }
    }
  }

  /** A batch's prequential evaluation, not yet recorded. */
  private record Evaluation(Metrics<?> metrics, double[] rowErrors) {}

  // Test-then-train: every row of the batch is predicted before the batch trains. An experiment
  // that evaluates row by row gives its rows' errors with the same prediction.
  @SuppressWarnings({"unchecked", "rawtypes"})
  private Evaluation evaluateFirst(B batch) {
    Object outputs;
    double[] rowErrors = null;
    if (state.experiment instanceof RowEvaluation rows) {
      RowEvaluation.Rows<?> evaluated = rows.evaluateRows(batch);
      outputs = evaluated.outputs();
      rowErrors = evaluated.errors();
    } else {
      Step<E, O> eval = state.experiment.evalStep(batch);
      state.experiment = eval.experiment();
      outputs = eval.outputs();
    }
    if (!(outputs instanceof Metrics metrics)) {
      throw new IllegalStateException("prequential evaluation merges the outputs of evalStep, "
          + "which must implement Metrics, but evalStep returned "
          + outputs.getClass().getName()
          + "; return a Metrics from evalStep or turn prequential evaluation off");
    }
    return new Evaluation(metrics, rowErrors);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private PrequentialMetrics<O> record(Evaluation evaluated) {
    return (PrequentialMetrics<O>) state.totals.recordPrequential((Metrics) evaluated.metrics(), evaluated.rowErrors());
  }
}
