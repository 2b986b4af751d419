package io.solstice.reactive.callbacks;

import io.solstice.core.Mode;
import java.util.Map;
import java.util.Objects;

/**
 * One logged set of metrics: a window of steps or a whole epoch of one mode.
 *
 * @param mode TRAIN, VAL or TEST
 * @param epoch the epoch the window ended in
 * @param kind whether the values cover a window of steps or an epoch
 * @param step steps of this mode done when it was logged
 * @param trainStep train steps done in the run when it was logged (a common x axis)
 * @param steps how many steps the values cover
 * @param values the computed metrics
 */
public record LoggedMetrics(
    Mode mode, int epoch, Kind kind, long step, long trainStep, long steps, Map<String, Double> values) {

  /** What a logged set covers. */
  public enum Kind {
    /** A window of steps. */
    WINDOW,
    /** A whole epoch. */
    EPOCH
  }

  /** Validates and freezes the fields. */
  public LoggedMetrics {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(kind, "kind");
    values = Map.copyOf(values);
  }
}
