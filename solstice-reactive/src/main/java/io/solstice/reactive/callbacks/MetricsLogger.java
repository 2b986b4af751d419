package io.solstice.reactive.callbacks;


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
   * @param metrics the values, what they cover ({@link LoggedMetrics#kind()}, the mode, the
   *     epoch and step numbers) and whether a stop cut the epoch short ({@link
   *     LoggedMetrics#complete()})
   */
  void log(LoggedMetrics metrics);
}
