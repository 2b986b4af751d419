package io.solstice.reactive.callbacks.internal;

import io.solstice.reactive.callbacks.Monitor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides which checkpoints to keep: the newest {@code keepLast}, plus the {@code keepBest}
 * with the best monitored value, ranked by the {@link Monitor}. Everything else may be deleted.
 *
 * <p>Thread safety: immutable (a record); safe to share.
 *
 * @param keepLast how many of the newest to keep (at least 1)
 * @param keepBest how many of the best to keep (0 for none)
 * @param monitor ranks the values; required when {@code keepBest > 0}, otherwise may be null
 */
public record Retention(int keepLast, int keepBest, Monitor monitor) {

  /** Validates the counts. */
  public Retention {
    if (keepLast < 1 || keepBest < 0) {
      throw new IllegalArgumentException(
          "keep at least the last checkpoint (keepLast >= 1) and keepBest >= 0; got keepLast="
              + keepLast + ", keepBest=" + keepBest);
    }
    if (keepBest > 0 && monitor == null) {
      throw new IllegalArgumentException("keeping the best checkpoints needs a monitored metric");
    }
  }

  /**
   * A checkpoint file and its monitored value.
   *
   * @param file the file
   * @param value the value, or NaN when it has none
   */
  public record Candidate(Path file, double value) {}

  /**
   * The files to delete.
   *
   * @param oldestFirst every checkpoint, oldest first
   * @return those that are neither among the newest nor among the best
   */
  public List<Path> toDelete(List<Candidate> oldestFirst) {
    Set<Path> keep = new LinkedHashSet<>();
    for (int i = Math.max(0, oldestFirst.size() - keepLast); i < oldestFirst.size(); i++) {
      keep.add(oldestFirst.get(i).file());
    }
    if (keepBest > 0) {
      oldestFirst.stream()
          .filter(candidate -> !Double.isNaN(candidate.value()))
          .sorted((a, b) -> monitor.compare(a.value(), b.value()))
          .limit(keepBest)
          .forEach(candidate -> keep.add(candidate.file()));
    }
    List<Path> delete = new ArrayList<>();
    for (Candidate candidate : oldestFirst) {
      if (!keep.contains(candidate.file())) {
        delete.add(candidate.file());
      }
    }
    return delete;
  }
}
