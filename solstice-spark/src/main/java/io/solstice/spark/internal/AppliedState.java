package io.solstice.spark.internal;

import io.solstice.core.NamedArrays;
import io.solstice.core.RunPosition;
import io.solstice.core.checkpoint.Checkpoint;
import io.solstice.core.checkpoint.CheckpointManifest;
import io.solstice.core.checkpoint.CheckpointStore;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

  private static final Logger LOG = LoggerFactory.getLogger(AppliedState.class);

  private final Path directory;
  private final CheckpointStore store;

  private AppliedState(Path directory, CheckpointStore store) {
    this.directory = directory;
    this.store = store;
  }

  /**
   * Opens (creating) a state directory.
   *
   * @param directory the directory
   * @return the store
   */
  public static AppliedState open(Path directory) {
    return new AppliedState(directory, CheckpointStore.open(directory));
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
    // The batch is applied from here on: an old version that cannot be removed must not make
    // the caller take it for unapplied (a restart would skip it, the run would roll it back).
    try {
      List<Path> files = store.list();
      for (int i = 0; i < files.size() - KEPT; i++) {
        store.delete(files.get(i));
      }
    } catch (UncheckedIOException e) {
      LOG.warn("micro-batch {} applied, but older versions in {} could not be removed", batchId,
          directory, e);
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
