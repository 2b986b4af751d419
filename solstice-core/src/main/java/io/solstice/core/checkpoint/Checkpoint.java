package io.solstice.core.checkpoint;

import io.solstice.core.NamedArrays;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A checkpoint read from disk and verified: every array matched its checksum.
 *
 * <p>Thread safety: immutable holder of arrays freshly read from the file, which belong to
 * nobody else; safe to hand to another thread.
 *
 * @param file the {@code .npz} file
 * @param manifest what the checkpoint says about itself
 * @param state the stored arrays, in the order they were written
 */
public record Checkpoint(Path file, CheckpointManifest manifest, NamedArrays state) {

  /** Validates the fields. */
  public Checkpoint {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(state, "state");
  }

  /**
   * The stored state checked against the state of a fresh experiment of the kind to restore:
   * the same names, and for each the same data type and shape. Arrays written from rank-0
   * arrays (stored with shape {@code [1]}) are given back with rank 0 when the template has
   * rank 0.
   *
   * @param template the state of a freshly built experiment ({@code fresh.state()})
   * @return the stored arrays, in the template's order
   * @throws CheckpointException naming the file and the first array that is missing, extra, or
   *     of another type or shape
   */
  public NamedArrays fit(NamedArrays template) {
    Set<String> missing = new TreeSet<>(template.names());
    missing.removeAll(state.names());
    if (!missing.isEmpty()) {
      throw new CheckpointException(
          "checkpoint " + file + " does not fit the experiment: it has no array " + missing
              + " (is it a checkpoint of another experiment?)");
    }
    Set<String> extra = new TreeSet<>(state.names());
    extra.removeAll(template.names());
    if (!extra.isEmpty()) {
      throw new CheckpointException(
          "checkpoint " + file + " does not fit the experiment: it holds array(s) " + extra
              + " that the experiment does not have (is it a checkpoint of another experiment?)");
    }
    Map<String, INDArray> fitted = new LinkedHashMap<>();
    for (Map.Entry<String, INDArray> expected : template.asMap().entrySet()) {
      String name = expected.getKey();
      INDArray want = expected.getValue();
      INDArray have = state.get(name);
      if (want.rank() == 0 && have.rank() == 1 && have.length() == 1) {
        have = have.reshape(new long[0]);
      }
      if (want.dataType() != have.dataType() || !Arrays.equals(want.shape(), have.shape())) {
        throw new CheckpointException(
            "checkpoint " + file + " does not fit the experiment: array '" + name + "' is "
                + have.dataType() + Arrays.toString(have.shape()) + " in the checkpoint but "
                + want.dataType() + Arrays.toString(want.shape()) + " in the experiment");
      }
      fitted.put(name, have);
    }
    return NamedArrays.of(fitted);
  }
}
