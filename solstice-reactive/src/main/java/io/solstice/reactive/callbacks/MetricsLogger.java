package io.solstice.reactive.callbacks;

import io.solstice.core.Mode;
import java.util.Map;

/**
 * Where {@link LoggingCallback} sends computed metrics: SLF4J, a tracking service, a test list.
 * Called on the training thread while the event that completed the window or epoch is handled,
 * so a slow destination slows training; hand slow work to an {@link
 * io.solstice.reactive.AsyncSubscriber} instead.
 */
@FunctionalInterface
public interface MetricsLogger {

  /**
   * Logs one window's or one epoch's metrics.
   *
   * @param values the computed metrics, by name
   * @param stepOrEpoch for a window of steps, the number of steps of that mode done after it
   *     (100 after the first window of 100 steps); for an epoch summary, the epoch number
   * @param mode TRAIN, VAL or TEST
   */
  void log(Map<String, Double> values, long stepOrEpoch, Mode mode);
}
