package io.solstice.reactive.callbacks;

import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.callbacks.internal.LoggedMetricsFlow;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs step outputs (which must be {@link io.solstice.core.metrics.Metrics}) merged over
 * windows of exactly N steps of a mode, and/or over whole epochs, through SLF4J (logger {@code
 * solstice}, level INFO) or any {@link MetricsLogger}.
 *
 * <p>A synchronous subscriber with no accumulator of its own: each run's events go through a
 * Reactor pipeline ({@link TrainingSubscriber#flow}) in which the step outputs of each mode are
 * cut with {@code windowUntil} and merged with {@code reduce(Metrics::merge)}; an epoch summary
 * is the merged metrics the engine carries on {@link TrainingEvent.EpochEnded}.
 *
 * <p>Windows are aligned to step numbers (numbered per mode from 0): a window ends after step
 * s when {@code (s + 1) % N == 0}, so every window covers exactly N steps, including the first
 * (the Python original's first window covered N-1). Windows run on across epoch boundaries; an
 * epoch summary, when asked for, is separate and covers exactly the epoch. After a resume in
 * the middle of a window, the first window covers only the steps since the resume and the next
 * ones are in phase again, so this subscriber needs no saved state. A window still open when
 * the run ends is not logged. An epoch that a stop cut short is logged with {@link
 * LoggedMetrics#complete()} false, and the SLF4J line says so ({@code val epoch 3 (cut short by
 * a stop): ...}): its values cover only the steps that ran. One instance may serve several runs,
 * also at once: each run has its own windows.
 *
 * <pre>{@code
 * LoggingCallback.everySteps(100).alsoAtEpochEnd().build();
 * LoggingCallback.atEpochEnd().to(metrics -> tracker.log(metrics.values())).build();
 * }</pre>
 */
public final class LoggingCallback implements TrainingSubscriber<Object, Object> {

  private static final Logger LOG = LoggerFactory.getLogger("solstice");

  private final TrainingSubscriber<Object, Object> windows;

  private LoggingCallback(Builder builder) {
    MetricsLogger destination = builder.logger;
    this.windows = new LoggedMetricsFlow("LoggingCallback", builder.everySteps, builder.atEpochEnd)
        .subscriber(destination == null ? LoggingCallback::logToSlf4j : destination::log);
  }

  /** {@code train step 100: {loss=0.25}}, {@code val epoch 3: {loss=0.31}}. */
  private static void logToSlf4j(LoggedMetrics logged) {
    boolean epoch = logged.kind() == LoggedMetrics.Kind.EPOCH;
    LOG.info("{} {} {}{}: {}", logged.mode().label(), epoch ? "epoch" : "step",
        epoch ? logged.epoch() : logged.step(), logged.complete() ? "" : " (cut short by a stop)",
        logged.values());
  }

  /**
   * Logs windows of exactly {@code n} steps of each mode.
   *
   * @param n the window length (> 0)
   * @return a builder; add {@link Builder#alsoAtEpochEnd()} for epoch summaries too
   */
  public static Builder everySteps(long n) {
    if (n <= 0) {
      throw new IllegalArgumentException("everySteps must be > 0, was " + n);
    }
    return new Builder().steps(n);
  }

  /**
   * Logs one summary per epoch of each mode.
   *
   * @return a builder
   */
  public static Builder atEpochEnd() {
    return new Builder().alsoAtEpochEnd();
  }

  @Override
  public void onEvent(TrainingEvent<Object, Object> event) throws Exception {
    windows.onEvent(event);
  }

  /** Configures a {@link LoggingCallback}. */
  public static final class Builder {
    private long everySteps;
    private boolean atEpochEnd;
    private MetricsLogger logger;

    private Builder() {}

    private Builder steps(long n) {
      this.everySteps = n;
      return this;
    }

    /**
     * Also logs a summary of every epoch.
     *
     * @return this builder
     */
    public Builder alsoAtEpochEnd() {
      this.atEpochEnd = true;
      return this;
    }

    /**
     * Sends the metrics to a function instead of SLF4J. Without one, each window is logged at
     * INFO to the SLF4J logger {@code solstice} as {@code train step 100: {loss=0.25}} and each
     * epoch summary as {@code val epoch 3: {loss=0.31}}.
     *
     * @param destination the function, called on the training thread
     * @return this builder
     */
    public Builder to(MetricsLogger destination) {
      this.logger = Objects.requireNonNull(destination, "destination");
      return this;
    }

    /**
     * Builds the subscriber.
     *
     * @return the subscriber, for {@link io.solstice.reactive.Run#subscribers}
     */
    public LoggingCallback build() {
      return new LoggingCallback(this);
    }
  }
}
