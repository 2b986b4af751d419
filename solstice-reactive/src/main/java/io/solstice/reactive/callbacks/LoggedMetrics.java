package io.solstice.reactive.callbacks;

import io.solstice.core.Mode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One logged set of metrics, as {@link LoggingCallback} and {@link CsvLogger} see it: the merged
 * outputs of a window of steps or of a whole epoch of one mode.
 *
 * @param mode TRAIN, VAL or TEST
 * @param epoch the epoch the window ended in, or the summarised epoch
 * @param kind whether the values cover a window of steps or an epoch
 * @param step steps of this mode done in the run when it was logged
 * @param trainStep train steps done in the run when it was logged (a common x axis)
 * @param steps how many steps the values cover
 * @param values the computed metrics, in the order they were given
 * @param complete false for an epoch that a stop cut short ({@code EpochEnded.complete()}
 *     false, for example a validation stopped half-way): its values cover only the steps that
 *     ran, so they are not the epoch's; a window always covers its n steps
 */
public record LoggedMetrics(
    Mode mode, int epoch, Kind kind, long step, long trainStep, long steps, Map<String, Double> values,
    boolean complete) {

  /** What a logged set covers. */
  public enum Kind {
    /** A window of steps. */
    WINDOW,
    /** A whole epoch. */
    EPOCH
  }

  /** Validates the fields and freezes the values, keeping their order. */
  public LoggedMetrics {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(kind, "kind");
    if (kind == Kind.WINDOW && !complete) {
      throw new IllegalArgumentException("a window always covers its steps: it cannot be cut short");
    }
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }
}
