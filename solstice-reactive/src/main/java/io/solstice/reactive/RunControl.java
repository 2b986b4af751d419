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
   * Completes when the run has ended and released everything: every batch closed, every source
   * subscription's resources released, the run's threads shut down. After a cancel (which does
   * not wait), this is the signal to wait for before closing an allocator the sources use.
   *
   * @return a {@code Mono} that completes once, and never fails
   */
  Mono<Void> terminated();
}
