package io.solstice.core.checkpoint;

import io.solstice.core.RunPosition;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a run needs to continue from a checkpoint: start the run from {@link
 * #experiment()} at {@link #position()} ({@code
 * Solstice.run(resumed.experiment()).resumeFrom(resumed.position())}), and hand {@link
 * #sourcePosition()} to a source that can seek.
 *
 * <p>Thread safety: the record itself is immutable; the experiment it holds is as thread-safe
 * as its type (usually not).
 *
 * @param experiment the restored experiment (or the fresh one when nothing was restored)
 * @param position the loop counters to resume from ({@link RunPosition#START} for a fresh run)
 * @param sourcePosition where the data source stood, as saved; empty when unknown
 * @param checkpoint the checkpoint restored from, or null when the run starts fresh
 * @param <E> the experiment type
 */
public record Resumed<E>(
    E experiment, RunPosition position, Map<String, Object> sourcePosition, Checkpoint checkpoint) {

  /** Validates the fields. */
  public Resumed {
    Objects.requireNonNull(experiment, "experiment");
    Objects.requireNonNull(position, "position");
    sourcePosition = CheckpointManifest.freeze(sourcePosition);
  }

  /**
   * The checkpoint restored from.
   *
   * @return it, or empty for a fresh start
   */
  public Optional<Checkpoint> restoredFrom() {
    return Optional.ofNullable(checkpoint);
  }
}
