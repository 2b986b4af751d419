package io.solstice.spark.internal;

import io.solstice.core.NamedArrays;
import io.solstice.core.RunPosition;
import io.solstice.core.checkpoint.Checkpoint;
import io.solstice.core.checkpoint.CheckpointManifest;
import io.solstice.core.checkpoint.CheckpointStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The model state of a streaming query, versioned by the last micro-batch it has applied: a
 * {@link CheckpointStore} (atomic writes, verified loads) whose manifests record the batch id.
 * The store's {@code latest} pointer is the commit point: a state is applied once the pointer
 * names it, and a crash before that leaves the previous version in charge.
 *
 * <p>Thread safety: one writer (the query's driver thread); see {@link CheckpointStore}.
 */
public final class AppliedState {
  /** The manifest's source-position key of the applied micro-batch id. */
  public static final String BATCH_ID = "microBatch";
  private static final int KEPT = 2;

  private final CheckpointStore store;

  private AppliedState(CheckpointStore store) {
    this.store = store;
  }

  /**
   * Opens (creating) a state directory.
   *
   * @param directory the directory
   * @return the store
   */
  public static AppliedState open(Path directory) {
    return new AppliedState(CheckpointStore.open(directory));
  }

  /**
   * One applied version.
   *
   * @param batchId the last micro-batch applied
   * @param rounds the rounds trained so far (the train steps of the run's positions)
   * @param state the experiment's state after it
   */
  public record Version(long batchId, long rounds, NamedArrays state) {}

  /**
   * The newest applied version.
   *
   * @return the version, or empty when nothing was applied yet
   */
  public Optional<Version> latest() {
    return store.loadLatest().map(AppliedState::version);
  }

  /**
   * Writes a version and makes it the latest, then drops all but the newest few.
   *
   * @param batchId the micro-batch just applied
   * @param rounds the rounds trained so far, strictly more than in the previous version
   * @param state the experiment's state
   */
  public void write(long batchId, long rounds, NamedArrays state) {
    CheckpointManifest manifest = CheckpointManifest
        .at(new RunPosition(Math.toIntExact(batchId + 1), 0, rounds, 0))
        .withTrigger("micro-batch")
        .withSourcePosition(Map.of(BATCH_ID, batchId));
    store.write(state, manifest);
    List<Path> files = store.list();
    for (int i = 0; i < files.size() - KEPT; i++) {
      store.delete(files.get(i));
    }
  }

  private static Version version(Checkpoint checkpoint) {
    Object batchId = checkpoint.manifest().sourcePosition().get(BATCH_ID);
    if (!(batchId instanceof Number number)) {
      throw new IllegalStateException(checkpoint.file() + " records no micro-batch id; it was"
          + " not written by a streaming trainer");
    }
    return new Version(
        number.longValue(), checkpoint.manifest().position().trainSteps(), checkpoint.state());
  }
}
