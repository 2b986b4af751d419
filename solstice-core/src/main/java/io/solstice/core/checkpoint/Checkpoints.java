package io.solstice.core.checkpoint;

import io.solstice.core.Checkpointable;
import io.solstice.core.RunPosition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resuming runs from checkpoints in one call. With the engine of {@code solstice-reactive}:
 *
 * <pre>{@code
 * EarlyStopping earlyStopping = EarlyStopping.monitor("loss").build();
 * Resumed<MyExperiment> r = Checkpoints.resume(
 *     dir, new MyExperiment(seed), Map.of("early_stopping", earlyStopping));
 * MyExperiment trained = Solstice.run(r.experiment())
 *     .train(trainBatches).validate(valBatches).epochs(10)
 *     .resumeFrom(r.position())
 *     .subscribers(earlyStopping)
 *     .block();
 * }</pre>
 *
 * <p>The restored experiment is {@code fresh.withState(arrays)}, where the arrays are checked
 * against {@code fresh.state()} first: a checkpoint of another experiment (an array missing,
 * extra, or of another type or shape) is refused with an error naming the array, before any
 * state is touched.
 *
 * <p>Thread safety: thread-safe; it keeps no state, and each call reads only the directory it
 * is given.
 */
public final class Checkpoints {

  private static final Logger LOG = LoggerFactory.getLogger("solstice");

  private Checkpoints() {}

  /**
   * Restores a run from the latest complete checkpoint in a directory, or from a chosen
   * checkpoint file.
   *
   * @param directoryOrFile a checkpoint directory (its latest complete checkpoint is used) or
   *     one {@code .npz} checkpoint
   * @param fresh a freshly built experiment of the same shape, used as the template
   * @param callbacks the stateful callbacks of the run, by the names they were saved under
   * @param <E> the experiment type
   * @return the restored experiment, position and source position
   * @throws CheckpointException when there is no complete checkpoint, or it does not fit
   */
  public static <E extends Checkpointable<E>> Resumed<E> resume(
      Path directoryOrFile, E fresh, Map<String, ? extends StatefulCallback> callbacks) {
    Checkpoint checkpoint;
    if (Files.isDirectory(directoryOrFile)) {
      checkpoint =
          CheckpointStore.open(directoryOrFile).loadLatest().orElseThrow(
              () -> new CheckpointException(
                  "no complete checkpoint in " + directoryOrFile
                      + "; use resumeOrStart to start fresh when there is none"));
    } else {
      checkpoint = CheckpointStore.load(directoryOrFile);
    }
    return restore(checkpoint, fresh, callbacks);
  }

  /**
   * Like {@link #resume}, but starts fresh (the given experiment at {@link RunPosition#START},
   * callbacks untouched) when the directory does not exist or holds no complete checkpoint.
   *
   * @param directory the checkpoint directory
   * @param fresh a freshly built experiment
   * @param callbacks the stateful callbacks, by name
   * @param <E> the experiment type
   * @return the restored or fresh start
   */
  public static <E extends Checkpointable<E>> Resumed<E> resumeOrStart(
      Path directory, E fresh, Map<String, ? extends StatefulCallback> callbacks) {
    if (!Files.isDirectory(directory)) {
      return new Resumed<>(fresh, RunPosition.START, Map.of(), null);
    }
    return CheckpointStore.open(directory).loadLatest()
        .map(checkpoint -> restore(checkpoint, fresh, callbacks))
        .orElseGet(() -> new Resumed<>(fresh, RunPosition.START, Map.of(), null));
  }

  /**
   * Applies a loaded checkpoint: checks it fits, rebuilds the experiment, restores the
   * callbacks' states.
   *
   * @param checkpoint the verified checkpoint
   * @param fresh a freshly built experiment
   * @param callbacks the stateful callbacks, by name
   * @param <E> the experiment type
   * @return the restored start
   */
  public static <E extends Checkpointable<E>> Resumed<E> restore(
      Checkpoint checkpoint, E fresh, Map<String, ? extends StatefulCallback> callbacks) {
    E restored = fresh.withState(checkpoint.fit(fresh.state()));
    Map<String, Map<String, Object>> states = checkpoint.manifest().callbackStates();
    callbacks.forEach(
        (name, callback) -> {
          Map<String, Object> state = states.get(name);
          if (state == null) {
            LOG.warn("checkpoint {} holds no state for callback '{}'; it starts fresh",
                checkpoint.file(), name);
          } else {
            try {
              callback.restoreState(state);
            } catch (RuntimeException e) {
              throw new CheckpointException(
                  "cannot restore callback '" + name + "' from " + checkpoint.file() + ": "
                      + e.getMessage(), e);
            }
          }
        });
    Set<String> unused = new TreeSet<>(states.keySet());
    unused.removeAll(callbacks.keySet());
    if (!unused.isEmpty()) {
      LOG.warn("checkpoint {} holds state for callbacks {} that this run does not have",
          checkpoint.file(), unused);
    }
    LOG.info("resuming from {} at {}", checkpoint.file().getFileName(), checkpoint.manifest().position());
    return new Resumed<>(
        restored, checkpoint.manifest().position(), checkpoint.manifest().sourcePosition(), checkpoint);
  }
}
