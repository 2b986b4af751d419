package io.solstice.reactive;

import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.core.Step;
import io.solstice.reactive.internal.RunSettings;
import io.solstice.reactive.internal.StepOperatorControl;
import java.util.Objects;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/**
 * The entry point of the Solstice engine: {@link #run} makes a {@link Run}, a value that trains,
 * validates, tests or fits online when one of its views is subscribed, and whose {@link
 * TrainingEvent}s are a public stream. Batches of any type flow from a {@code Publisher} through
 * the experiment's {@code trainStep}/{@code evalStep}; <b>every subscription is a new,
 * independent run</b>.
 *
 * <pre>{@code
 * MyExperiment trained = Solstice.run(exp).train(trainBatches).validate(valBatches).epochs(10)
 *     .subscribers(LoggingCallback.atEpochEnd().build())
 *     .block();
 *
 * Solstice.run(exp).train(kafkaBatches).prequential(100, 0.99)
 *     .steps()
 *     .take(10_000)                                    // stops the run after 10,000 steps
 *     .subscribe(step -> plot(step.prequential().cumulative()));
 * }</pre>
 *
 * <h2>Contract</h2>
 *
 * <p>Each statement below is checked by the engine's tests.
 *
 * <h3>Threads and backpressure</h3>
 *
 * <ul>
 *   <li>Every step and every synchronous subscriber of a run runs on one training thread, held
 *       by the run from start to end (ND4J workspaces and CUDA contexts are per thread). Its
 *       name is {@code solstice-step-N} unless {@link Run#stepThreadFactory} says otherwise.
 *   <li>Sources are subscribed and read on reader threads held by the run ({@code
 *       solstice-source-train-N}, {@code -val-N}, {@code -test-N}), so reading the next batches
 *       overlaps the step.
 *   <li>These threads are borrowed from a cache of idle threads and go back to it when the run
 *       ends (their names then end with {@code " (idle)"}; each ends after 30 s without a run),
 *       so runs in quick succession skip starting threads.
 *   <li>With {@link Run#threadPool} the run leases one training lane and one reader lane of a
 *       {@link RunThreadPool} shared with other runs instead; every rule here holds the same, and
 *       the runs of a lane take turns step by step.
 *   <li>Each source subscription requests at most {@code prefetch} batches ahead of the step
 *       ({@link Run#prefetch}, default 4), replenished one by one as the step takes them. At
 *       most {@code prefetch + 2} batches of a source subscription are alive at once, however
 *       fast the source is. One subscription is open at a time, except while a step-cadence
 *       validation interrupts a train epoch: the paused train subscription then keeps its
 *       prefetched batches.
 *   <li>The events of {@link Run#events()} are emitted with backpressure: no further step starts
 *       while its subscriber has no demand.
 *   <li>A source is cancelled on its reader thread, so its cleanup never races a read in
 *       progress.
 *   <li>When the run's publisher terminates, the run's threads are shut down and exit once the
 *       work in hand is done; no step and no subscriber runs after {@code RunEnded}.
 * </ul>
 *
 * <h3>Event order</h3>
 *
 * <p>Each event is handed to every synchronous subscriber, in registration order, before
 * anything else happens; then to the asynchronous subscribers; then it is emitted by {@link
 * Run#events()}. For {@code run(exp).train(t).validate(v).epochs(2)} with two train and one val
 * batch per epoch:
 *
 * <pre>
 * RunStarted
 * EpochStarted(0, TRAIN)
 *   StepStarted(0, TRAIN)  StepEnded(0, TRAIN)
 *   StepStarted(1, TRAIN)  StepEnded(1, TRAIN)
 * EpochEnded(0, TRAIN)
 * EpochStarted(0, VAL)
 *   StepStarted(0, VAL)    StepEnded(0, VAL)
 * EpochEnded(0, VAL)  ValidationEnded(0)
 * EpochStarted(1, TRAIN)
 *   StepStarted(2, TRAIN)  StepEnded(2, TRAIN)
 *   StepStarted(3, TRAIN)  StepEnded(3, TRAIN)
 * EpochEnded(1, TRAIN)
 * EpochStarted(1, VAL)
 *   StepStarted(1, VAL)    StepEnded(1, VAL)
 * EpochEnded(1, VAL)  ValidationEnded(1)
 * RunEnded(COMPLETED)
 * </pre>
 *
 * <ul>
 *   <li>Validation follows the train epochs whose number plus one is a multiple of {@link
 *       Run#validateEveryEpochs} (default every epoch), and only when a validation source is
 *       given. With {@link Run#validateEverySteps} {@code n}, a whole VAL epoch (numbered like the
 *       train epoch it interrupts) runs right after the {@code StepEnded} of every train step
 *       that brings the train step count to a multiple of {@code n}, before the next train step.
 *   <li>{@code EpochEnded} and {@code ValidationEnded} carry the epoch's step outputs merged by
 *       {@link io.solstice.core.metrics.Metrics#merge} (a running merge over the
 *       epoch's {@code StepEnded} of that mode, which a checkpoint saves with its position) and their computed values; {@code null} and empty when the
 *       outputs are not {@code Metrics} or no step ran; and whether the epoch ran to its end
 *       ({@link TrainingEvent.EpochEnded#complete()}: false when a stop was requested before it,
 *       so its metrics merge only the steps that ran and are no evaluation).
 *   <li>A {@code CheckpointWritten} follows the event during whose handling a subscriber
 *       announced it ({@link RunControl#checkpointWritten}); a {@code SignalRaised} follows the
 *       event during whose handling a subscriber raised it ({@link RunControl#raise}), so a signal
 *       raised after a step (a drift detector's) reaches every subscriber before the next step.
 *       Both keep the order in which they were announced and raised.
 *   <li>{@code StepEnded} is emitted once its batch has been closed (an emitted event never
 *       holds an open batch) and before the next step starts. Synchronous subscribers see the
 *       batch of {@code StepStarted} and {@code StepEnded} open.
 *   <li>A test run is one TEST epoch: {@code RunStarted}, {@code EpochStarted(0, TEST)}, its
 *       steps, {@code EpochEnded(0, TEST)}, {@code RunEnded}. An online run over an unbounded
 *       source is one TRAIN epoch (numbered from the resume position, 0 by default).
 * </ul>
 *
 * <h3>Numbering</h3>
 *
 * <ul>
 *   <li>Epochs are numbered from 0. Steps are numbered from 0 <b>per mode</b>: the {@code
 *       globalStep} of a train step counts the train steps before it in the whole run (it does
 *       not restart at each epoch); val steps have their own counter across all validations;
 *       test steps their own. Unlike the Python original, nothing counts from 1.
 *   <li>A run {@linkplain Run#resumeFrom resumed} at a {@link RunPosition} starts in its epoch,
 *       closes without stepping the first {@code batchesIntoEpoch} train batches of that epoch,
 *       and numbers its first train and val steps {@code trainSteps} and {@code valSteps}.
 *       {@link TrainingEvent.StepEnded#position()} is the position to resume from after that
 *       step.
 *   <li>A validation after a train epoch is part of that epoch: until it has run to its end, the
 *       positions the run reports stay at its start (the epoch, the train epoch's batches, the
 *       train steps and the val steps before it), so a run resumed from them, after a stop, a
 *       {@link Run#maxTime} or a cancel cut the validation short, runs the whole validation
 *       again with the same val step numbers; {@code RunEnded} then carries the experiment the
 *       validation started from. A validation at a step cadence is not repeated on resume: its
 *       val steps count as they run.
 * </ul>
 *
 * <h3>Early stopping</h3>
 *
 * <p>A synchronous subscriber stops the run by calling {@link RunControl#stop} on the event's
 * {@link TrainingEvent#run() run} or by throwing {@link io.solstice.core.EarlyStoppingException}.
 * The remaining synchronous subscribers still see that event; then:
 *
 * <ul>
 *   <li>from {@code EpochStarted}: no step of that epoch runs, and that epoch's {@code
 *       EpochEnded} still follows (every started epoch is ended);
 *   <li>from {@code StepStarted}: that step does not run (no {@code StepEnded}), its batch is
 *       closed, and the epoch's {@code EpochEnded} follows;
 *   <li>from {@code StepEnded}: no further step runs, and the epoch's {@code EpochEnded}
 *       follows;
 *   <li>from {@code EpochEnded} or {@code ValidationEnded}: nothing further runs.
 * </ul>
 *
 * <p>In every case no later epoch and no later validation runs, {@code RunEnded} reports {@code
 * STOPPED_EARLY} with the exception as cause, and the run completes normally: {@link
 * Run#experiment()} emits the experiment returned by the last step that ran (after a
 * validation cut short, the one it started from; see Numbering). An {@code
 * EarlyStoppingException} thrown by the experiment's step itself stops the run like one from
 * {@code StepStarted}. {@link Run#maxSteps} and {@link Run#maxTime} stop the run the same way,
 * at a step boundary, with no cause; {@link Run#limitTrainBatches} ends an epoch, not the run.
 * A stop requested from an asynchronous subscriber takes effect at the next step boundary.
 *
 * <h3>Errors</h3>
 *
 * <p>Any other exception, from a step, a synchronous subscriber (the remaining subscribers of
 * that event are skipped), the source or the {@code close} of a batch that was stepped, ends the
 * run: no event follows but {@code RunEnded}, which reports {@code FAILED}; then the publisher
 * signals a {@link TrainingException} that names the mode, the epoch and the global step, with
 * the original exception as cause. Nothing is swallowed: an exception from a subscriber's
 * handling of {@code RunEnded} is added as suppressed to the run's error, or, on a run that had
 * none, becomes its error (after {@code RunEnded} was emitted); on a cancelled run, whose
 * subscriber is gone, it is logged as an error. A batch that was never stepped (skipped, or read
 * ahead of the run's end) and fails to close is logged as a warning, since the run may be ending
 * already. Errors of asynchronous subscribers never reach the run.
 *
 * <h3>NaN and infinity</h3>
 *
 * <p>A {@code TensorBatch} whose features hold NaN or infinity is refused before its step (or, by
 * an experiment that {@link io.solstice.core.RefusesNonFiniteFeatures refuses them itself}, as
 * the built-in models do, inside it, before the experiment changes), and a
 * step whose loss ({@code MeanMetric} mean, or a {@code Metrics}' {@code "loss"}, or its
 * {@code "mse"} when it has no {@code "loss"}) is not finite is refused before it is accepted:
 * the run fails (default), skips the batch or stops early, as {@link Run#nonFinite} says
 * ({@link NonFinitePolicy}).
 *
 * <h3>Termination is quiescent</h3>
 *
 * <p>When {@code RunEnded} is handed to the subscribers, and so before the run's publisher
 * completes or fails, every batch of the run has been closed and every source subscription has
 * completed, failed or finished its cancellation (a read in progress is awaited). Closing an
 * allocator right after {@code block()} therefore finds nothing allocated. The wait for a source
 * is bounded (60 s, then a warning).
 *
 * <h3>Cancellation</h3>
 *
 * <p>Cancelling the subscription ({@code dispose()}, {@code take(n)}, {@code timeout}) stops the
 * run at the next step boundary: the step in progress is never interrupted and finishes on the
 * training thread, its batch is closed, the source is cancelled, batches not yet stepped are
 * closed, and the synchronous subscribers receive {@code RunEnded(CANCELLED)} on the training
 * thread after the step in progress, once the sources are released. {@code cancel()} itself does
 * not wait for that: {@link RunControl#terminated()} completes when it is done.
 *
 * <h3>Batches</h3>
 *
 * <p>A batch that is {@link AutoCloseable} is closed exactly once per emission: after its step
 * (after the synchronous subscribers of {@code StepEnded}), or by the engine if it is never
 * stepped (skipped on resume, or still queued when the epoch ends, the run stops, fails or is
 * cancelled). Subscribers and experiments must not keep references into a batch. Because
 * reactor-core 3.8.8's {@code publishOn} can drop queued items on cancel without discarding them
 * (reactor-core issue 4396), the engine keeps its own registry of emitted, unstepped batches per
 * source subscription and closes them when the subscription ends, in addition to {@code
 * doOnDiscard}.
 *
 * <h3>Asynchronous subscribers</h3>
 *
 * <p>{@link AsyncSubscriber}s receive every event after the synchronous subscribers, through
 * {@code onBackpressureBuffer(n, DROP_OLDEST)} or {@code onBackpressureLatest()} and {@code
 * publishOn} on their own scheduler. They never stall the step: when one falls behind, events
 * are dropped and counted ({@link AsyncSubscriber#dropped()}); {@code RunEnded} is their last
 * event.
 *
 * <h3>Backends</h3>
 *
 * <p>The engine uses no ND4J backend class: it runs on whatever backend is on the classpath
 * (nd4j-native for CPU by default). Because the step always runs on the same thread, per-thread
 * device contexts and ND4J workspaces stay valid for the whole run.
 */
public final class Solstice {

  private Solstice() {}

  /**
   * A run of {@code experiment} with every setting at its default: give it a source with {@link
   * Run#train} or {@link Run#test}, then subscribe to one of its views.
   *
   * @param experiment the experiment to start from (restored from the checkpoint when resuming)
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the run specification
   */
  public static <E extends Experiment<E, B, O>, B, O> Run<E, B, O> run(E experiment) {
    return new Run<>(experiment, new RunSettings());
  }

  /**
   * The train step as an operator, for pipelines built by hand: {@code
   * batches.transform(Solstice.trainStep(exp))}. It runs each batch through {@code trainStep} on
   * the thread that delivers it, continues with the returned experiment, closes {@link
   * AutoCloseable} batches after their step (and discarded ones), and numbers steps from 0 for
   * each subscription, all in epoch 0. It has no subscribers and no threads of its own; use
   * {@code publishOn} to choose the thread. A {@link RunControl#stop} on an emitted step
   * completes the stream after that step.
   *
   * @param experiment the experiment to start from, for each subscription
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the operator
   */
  public static <E extends Experiment<E, B, O>, B, O>
      Function<Flux<B>, Flux<TrainingEvent.StepEnded<E, O>>> trainStep(E experiment) {
    Objects.requireNonNull(experiment, "experiment");
    return batches -> StepOperator.apply(batches, experiment, Mode.TRAIN);
  }

  /**
   * The eval step as an operator; like {@link #trainStep} but through {@code evalStep}, with
   * steps in mode TEST.
   *
   * @param experiment the experiment to evaluate
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the operator
   */
  public static <E extends Experiment<E, B, O>, B, O>
      Function<Flux<B>, Flux<TrainingEvent.StepEnded<E, O>>> evalStep(E experiment) {
    Objects.requireNonNull(experiment, "experiment");
    return batches -> StepOperator.apply(batches, experiment, Mode.TEST);
  }

  /** The engine-free step operator behind {@link #trainStep} and {@link #evalStep}. */
  private static final class StepOperator {
    private StepOperator() {}

    @SuppressWarnings("try") // the batch is a resource only to be closed
    static <E extends Experiment<E, B, O>, B, O> Flux<TrainingEvent.StepEnded<E, O>> apply(
        Flux<B> batches, E start, Mode mode) {
      return Flux.defer(() -> {
        StepOperatorControl control = new StepOperatorControl();
        Object[] current = {start};
        long[] steps = {0};
        // The batch the step closed last: an operator may hand it to the discard hook after a
        // failed step, and it must not be closed twice.
        Object[] closedByStep = {null};
        return batches
            .<TrainingEvent.StepEnded<E, O>>handle((batch, sink) -> {
              @SuppressWarnings("unchecked")
              E experiment = (E) current[0];
              closedByStep[0] = batch;
              try (AutoCloseable owned = batch instanceof AutoCloseable c ? c : null) {
                long started = System.nanoTime();
                Step<E, O> step = mode == Mode.TRAIN
                    ? experiment.trainStep(batch)
                    : experiment.evalStep(batch);
                long stepNanos = System.nanoTime() - started;
                current[0] = step.experiment();
                long number = steps[0]++;
                sink.next(new TrainingEvent.StepEnded<>(control, step.experiment(),
                    step.outputs(), mode, 0, number,
                    new RunPosition(0, number + 1, mode == Mode.TRAIN ? number + 1 : 0, 0),
                    null, 0, new TrainingEvent.Timings(0, stepNanos, 0),
                    StepOperatorControl.closedBatch()));
              } catch (Exception e) {
                sink.error(e);
              }
            })
            // A stop, also one from the subscriber of the step just emitted, completes the
            // stream at once: no further batch is stepped.
            .takeUntilOther(control.stopped())
            .doOnDiscard(AutoCloseable.class, batch -> {
              if (batch != closedByStep[0]) {
                closeDiscarded(batch);
              }
            })
            .doFinally(signal -> control.terminate());
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
