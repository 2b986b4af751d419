package io.solstice.reactive;

import io.solstice.core.RunPosition;
import java.nio.file.Path;
import reactor.core.publisher.Mono;

/**
 * The handle of one run, carried by each of its {@link TrainingEvent}s: stop it, announce a
 * checkpoint, or wait until it has released everything. Thread-safe.
 */
public interface RunControl {

  /**
   * A number that tells the runs of one JVM apart.
   *
   * @return the run's id
   */
  long id();

  /**
   * Batches the run's sources have emitted that no step has taken yet: read ahead, in the
   * prefetch buffer or in the hand-over to the training thread, summed over the run's open source
   * subscriptions. Each subscription holds at most {@link #prefetch()} {@code + 1} of them while a
   * step runs (the backpressure contract of {@link Solstice}); a gauge of observability, read from
   * any thread.
   *
   * @return the count now; 0 for a control that reads no source of its own
   */
  default int batchesInFlight() {
    return 0;
  }

  /**
   * The run's {@link Run#prefetch prefetch}: how many batches each source subscription may read
   * ahead of the step.
   *
   * @return the prefetch in batches; 0 for a control that reads no source of its own
   */
  default int prefetch() {
    return 0;
  }

  /**
   * Asks the run to stop early, as an {@link io.solstice.core.EarlyStoppingException} thrown by a
   * synchronous subscriber would: the step in progress finishes, the early-stop table of {@link
   * Solstice} applies as if the request came from the event being handled, and the run ends with
   * {@code STOPPED_EARLY}. A request from an asynchronous subscriber takes effect at the next step
   * boundary. The first request wins.
   *
   * @param reason why, kept in the run's outcome
   */
  void stop(String reason);

  /**
   * Whether a stop has been requested (by a subscriber, a limit, or the non-finite policy).
   *
   * @return true once the run is stopping
   */
  boolean isStopping();

  /**
   * This position carrying the engine's state as it is now ({@link RunPosition#engineState}: the
   * merge of the epoch's train outputs when the position is inside an epoch, the prequential
   * figures, a step-cadence validation in progress), for a checkpoint written now, while the
   * current event is handled, at a position the run has reached without training since (as
   * {@code CheckpointCallback} writes them). A run resumed from the result continues those sums
   * instead of starting them over, and repeats that validation. Call it on the training thread,
   * from a synchronous subscriber: the state changes with every step.
   *
   * @param position the position being saved
   * @return the position with the engine's state
   */
  default RunPosition withEngineState(RunPosition position) {
    return position;
  }

  /**
   * Announces that a synchronous subscriber wrote a checkpoint while handling the current
   * event: the run emits a {@link TrainingEvent.CheckpointWritten} right after that event. A
   * checkpoint written while handling {@link TrainingEvent.RunEnded}, the last event of a run, is
   * not announced.
   *
   * @param path the checkpoint file
   * @param position the position stored in it
   */
  void checkpointWritten(Path path, RunPosition position);

  /**
   * Raises a named signal in the run's event stream: the run emits a {@link
   * TrainingEvent.SignalRaised} carrying it, delivered to every subscriber (the raiser included) and
   * emitted by {@link Run#events()} like any other event, with backpressure. Raised by a
   * synchronous subscriber, it follows the event being handled, after the signals and checkpoints
   * announced before it, and before the run goes on (a signal raised after a step is handled
   * before the next step starts). Raised from another thread, it follows the next event the
   * training thread delivers. Raised while {@link TrainingEvent.RunEnded}, the last event, is
   * handled, it is not delivered.
   *
   * @param name what kind of signal it is, for subscribers to filter on
   * @param detail what goes with it; subscribers read it with {@link
   *     TrainingEvent.SignalRaised#detail(Class)}
   * @throws UnsupportedOperationException when the run does not carry signals: only runs of
   *     {@link Solstice#run} do (not the step operator of {@link Solstice#trainStep}, nor a
   *     Spark driver's run)
   */
  default void raise(String name, Object detail) {
    throw new UnsupportedOperationException("signals are raised in the event streams of "
        + "Solstice.run; this run (" + getClass().getSimpleName() + ") does not carry them");
  }

  /**
   * Completes when the run has ended and released everything: every batch closed, every source
   * subscription's resources released, the run's threads shut down. After a cancel (which does
   * not wait), this is the signal to wait for before closing an allocator the sources use.
   *
   * @return a {@code Mono} that completes once, and never fails
   */
  Mono<Void> terminated();
}
