package io.solstice.reactive;

import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.RunPosition;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What happens in a run, as a stream: {@link Run#events()} emits every event of a run in order,
 * and subscribers (synchronous ones on the training thread, asynchronous ones through their own
 * backpressure) receive the same events. The order and the numbering are the contract written
 * in {@link Solstice}.
 *
 * <p>Every event carries the {@link RunControl} of its run, through which a subscriber may stop
 * the run, and the experiment as it stood when the event happened. An experiment that updates
 * its arrays in place is consistent only while a synchronous subscriber handles the event; an
 * asynchronous subscriber that needs exact parameter values must copy them in a synchronous
 * one.
 *
 * <p>Metrics are merged once per epoch by the engine (a running merge of the
 * epoch's step outputs, which a checkpoint saves with its position) and carried by {@link EpochEnded} and {@link ValidationEnded}, so no subscriber keeps
 * an accumulator of its own.
 *
 * @param <E> the experiment type
 * @param <O> the step-output type
 */
public sealed interface TrainingEvent<E, O>
    permits TrainingEvent.RunStarted,
        TrainingEvent.EpochStarted,
        TrainingEvent.StepStarted,
        TrainingEvent.StepEnded,
        TrainingEvent.EpochEnded,
        TrainingEvent.ValidationEnded,
        TrainingEvent.CheckpointWritten,
        TrainingEvent.SignalRaised,
        TrainingEvent.RunEnded {

  /**
   * The run this event belongs to.
   *
   * @return the run's control
   */
  RunControl run();

  /**
   * The experiment when the event happened.
   *
   * @return the experiment
   */
  E experiment();

  /**
   * The first event of every run, before any source is subscribed.
   *
   * @param run the run's control
   * @param experiment the experiment the run starts from
   * @param position where the run starts ({@link RunPosition#START}, or the resume position)
   * @param <E> the experiment type
   * @param <O> the step-output type
   */
  record RunStarted<E, O>(RunControl run, E experiment, RunPosition position)
      implements TrainingEvent<E, O> {}

  /**
   * An epoch of one mode begins; its source is subscribed after this event.
   *
   * @param run the run's control
   * @param experiment the experiment
   * @param epoch the epoch, from 0
   * @param mode TRAIN, VAL or TEST
   * @param <E> the experiment type
   * @param <O> the step-output type
   */
  record EpochStarted<E, O>(RunControl run, E experiment, int epoch, Mode mode)
      implements TrainingEvent<E, O> {}

  /**
   * A batch is about to go through the experiment's step.
   *
   * @param run the run's control
   * @param experiment the experiment the step will use
   * @param epoch the epoch, from 0
   * @param globalStep the step's number among the steps of its mode in the run, from 0
   * @param mode TRAIN, VAL or TEST
   * @param batch the batch, open while synchronous subscribers handle this event
   * @param <E> the experiment type
   * @param <O> the step-output type
   */
  record StepStarted<E, O>(
      RunControl run, E experiment, int epoch, long globalStep, Mode mode, Batch batch)
      implements TrainingEvent<E, O> {}

  /**
   * A step ended: the step result of the run. Emitted after the synchronous subscribers saw it
   * and its batch was closed.
   *
   * @param run the run's control
   * @param experiment the experiment returned by the step
   * @param outputs the step's outputs
   * @param mode TRAIN, VAL or TEST
   * @param epoch the epoch, from 0
   * @param globalStep the step's number among the steps of its mode in the run, from 0
   * @param position where the run stands after this step, as a checkpoint records it (during
   *     the validation after a train epoch: that validation's start, since a run resumed from
   *     there repeats it whole)
   * @param prequential for train steps of a run with {@link Run#prequential prequential}
   *     evaluation, the test-then-train evaluation including this batch; null otherwise
   * @param skippedBatches batches of this run skipped so far under {@link
   *     NonFinitePolicy#SKIP_BATCH}
   * @param timings where the time around this step went
   * @param batch the batch, open while synchronous subscribers handle this event
   * @param <E> the experiment type
   * @param <O> the step-output type
   */
  record StepEnded<E, O>(
      RunControl run,
      E experiment,
      O outputs,
      Mode mode,
      int epoch,
      long globalStep,
      RunPosition position,
      PrequentialMetrics<O> prequential,
      long skippedBatches,
      Timings timings,
      Batch batch)
      implements TrainingEvent<E, O> {

    /** Validates the fields. */
    public StepEnded {
      Objects.requireNonNull(experiment, "experiment");
      Objects.requireNonNull(outputs, "outputs");
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(position, "position");
      Objects.requireNonNull(timings, "timings");
      Objects.requireNonNull(batch, "batch");
    }

    /**
     * The prequential evaluation, present for train steps of a prequential run.
     *
     * @return the evaluation, or empty
     */
    public Optional<PrequentialMetrics<O>> prequentialMetrics() {
      return Optional.ofNullable(prequential);
    }
  }

  /**
   * An epoch of one mode ended, with its step outputs merged.
   *
   * @param run the run's control
   * @param experiment the experiment
   * @param epoch the epoch, from 0
   * @param mode TRAIN, VAL or TEST
   * @param steps how many steps of this mode the epoch ran
   * @param metrics the epoch's step outputs merged, when they are {@link
   *     io.solstice.core.metrics.Metrics} and the epoch ran a step; null otherwise
   * @param values {@code metrics.compute()}, computed once; empty when there are no metrics
   * @param position where a run resumed from here would start: the next epoch once a train
   *     epoch and its validation (if one is due) are complete, otherwise inside this epoch. A
   *     validation after a train epoch that a stop cut short does not complete the epoch: the
   *     position is then that validation's start (the train epoch's batches and train steps, the
   *     val steps before it), and a resumed run runs the whole validation again
   * @param complete whether the epoch ran to its end. False when a stop (a subscriber's, {@link
   *     Run#maxSteps}, {@link Run#maxTime}, the non-finite policy) was requested before this event,
   *     even during its last step: {@code metrics} then merge only the steps that ran, and
   *     subscribers that act on results (early stopping, keeping the best checkpoint) skip the
   *     epoch. Every started epoch still gets its {@code EpochEnded}, complete or not
   * @param <E> the experiment type
   * @param <O> the step-output type
   */
  record EpochEnded<E, O>(
      RunControl run, E experiment, int epoch, Mode mode, long steps, O metrics,
      Map<String, Double> values, RunPosition position, boolean complete)
      implements TrainingEvent<E, O> {

    /** Freezes the values. */
    public EpochEnded {
      values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }
  }

  /**
   * A validation ended: follows the {@link EpochEnded} of every VAL epoch, with the train
   * position it validated, for subscribers that act on validation results (early stopping,
   * keeping the best checkpoint). A validation that a stop cut short still ends, with {@code
   * complete} false: its values are not a result to act on.
   *
   * @param run the run's control
   * @param experiment the experiment that was validated
   * @param epoch the train epoch the validation belongs to
   * @param position where a run resumed from here would start (see {@link
   *     EpochEnded#position})
   * @param steps how many val steps ran
   * @param metrics the merged val outputs, or null (see {@link EpochEnded#metrics})
   * @param values {@code metrics.compute()}; empty when there are no metrics
   * @param complete whether the validation ran to its end (see {@link EpochEnded#complete})
   * @param <E> the experiment type
   * @param <O> the step-output type
   */
  record ValidationEnded<E, O>(
      RunControl run, E experiment, int epoch, RunPosition position, long steps, O metrics,
      Map<String, Double> values, boolean complete)
      implements TrainingEvent<E, O> {

    /** Freezes the values. */
    public ValidationEnded {
      values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }
  }

  /**
   * A checkpoint was written (announced with {@link RunControl#checkpointWritten}); follows the
   * event during which it was written.
   *
   * @param run the run's control
   * @param experiment the experiment that was saved
   * @param path the checkpoint file
   * @param position the position stored in it
   * @param <E> the experiment type
   * @param <O> the step-output type
   */
  record CheckpointWritten<E, O>(RunControl run, E experiment, Path path, RunPosition position)
      implements TrainingEvent<E, O> {}

  /**
   * A named signal a subscriber raised with {@link RunControl#raise}: a drift detector's drift or
   * warning, an alert, anything a subscriber wants every other subscriber and the run's {@link
   * Run#events()} to see, in order, with the run's position. It follows the event during whose
   * handling it was raised (after any {@link CheckpointWritten} announced before it), and every
   * subscriber gets it, the one that raised it included. The engine gives the name and the detail
   * no meaning.
   *
   * @param run the run's control
   * @param experiment the experiment when the signal was raised
   * @param name what kind of signal it is, for example {@code drift} or {@code warning}
   * @param detail what the raiser attached (a detector's signal record, a message); never null
   * @param position where the run stood when the signal was delivered (see {@link
   *     StepEnded#position})
   * @param <E> the experiment type
   * @param <O> the step-output type
   */
  record SignalRaised<E, O>(
      RunControl run, E experiment, String name, Object detail, RunPosition position)
      implements TrainingEvent<E, O> {

    /** Validates the fields. */
    public SignalRaised {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(detail, "detail");
      Objects.requireNonNull(position, "position");
    }

    /**
     * The detail, when it is of the given type: a subscriber's way to pick the signals it
     * understands.
     *
     * @param type the detail type looked for
     * @param <T> that type
     * @return the detail, or empty when it is of another type
     */
    public <T> Optional<T> detail(Class<T> type) {
      return type.isInstance(detail) ? Optional.of(type.cast(detail)) : Optional.empty();
    }
  }

  /**
   * The last event of every run, however it ended. When it is delivered, every batch of the run
   * has been closed and every source subscription has released its resources.
   *
   * @param run the run's control
   * @param experiment the last experiment of the run; when the run ended inside the validation
   *     after a train epoch (a stop cut it short, a failure or a cancel), the experiment that
   *     validation started from, so that it and {@code position} resume the run exactly
   * @param outcome how the run ended
   * @param position where a run resumed after this one would start (see {@link
   *     EpochEnded#position}), with the engine's state there ({@link RunPosition#engineState}),
   *     so that a run continued from it in the same process continues its epoch metrics and
   *     prequential figures, and repeats a step-cadence validation a stop cut short, as a run
   *     resumed from a checkpoint does
   * @param <E> the experiment type
   * @param <O> the step-output type
   */
  record RunEnded<E, O>(RunControl run, E experiment, RunOutcome outcome, RunPosition position)
      implements TrainingEvent<E, O> {}

  /**
   * Time around one step, in nanoseconds.
   *
   * @param dataWait from the end of the previous step's subscribers (or the epoch start) until
   *     the batch reached the training thread: waiting for the source
   * @param step the experiment's step itself
   * @param subscribers the synchronous subscribers of the previous step's end and of this
   *     step's start
   */
  record Timings(long dataWait, long step, long subscribers) {}

  /**
   * The batch of a step, readable only while synchronous subscribers handle the step's events:
   * the engine closes the batch right after, and {@link #get()} then fails instead of handing
   * out a closed buffer.
   */
  interface Batch {

    /**
     * The batch.
     *
     * @return the batch object (of the run's batch type)
     * @throws IllegalStateException when the step is over and the batch has been released
     */
    Object get();

    /**
     * Whether the batch may still be read.
     *
     * @return true while synchronous subscribers handle the step's events
     */
    boolean isOpen();
  }
}
