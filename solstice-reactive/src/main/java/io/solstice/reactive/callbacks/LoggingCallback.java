package io.solstice.reactive.callbacks;

import io.solstice.core.Callback;
import io.solstice.core.Mode;
import io.solstice.reactive.callbacks.internal.MetricWindows;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs step outputs (which must be {@link io.solstice.core.metrics.Metrics}) merged over
 * windows of exactly N steps of a mode, and/or over whole epochs, through SLF4J (logger {@code
 * solstice}, level INFO) or any {@link MetricsLogger}.
 *
 * <p>Windows are aligned to step numbers (numbered per mode from 0): a window ends after step
 * s when {@code (s + 1) % N == 0}, so every window covers exactly N steps, including the first
 * (the Python original's first window covered N-1). Windows run on across epoch boundaries; an
 * epoch summary, when asked for, is separate and covers exactly the epoch. After a resume in
 * the middle of a window, the first window covers only the steps since the resume and the next
 * ones are in phase again, so this callback needs no saved state.
 *
 * <pre>{@code
 * LoggingCallback.<Exp, Batch, Metrics>everySteps(100).alsoAtEpochEnd().build();
 * LoggingCallback.<Exp, Batch, Metrics>atEpochEnd().to((values, epoch, mode) -> tracker.log(values)).build();
 * }</pre>
 *
 * @param <E> the experiment type
 * @param <B> the batch type
 * @param <O> the step-output type
 */
public final class LoggingCallback<E, B, O> implements Callback<E, B, O> {

  private static final Logger LOG = LoggerFactory.getLogger("solstice");

  private final MetricWindows windows;

  private LoggingCallback(Builder<E, B, O> builder) {
    MetricsLogger logger = builder.logger;
    this.windows =
        new MetricWindows("LoggingCallback", builder.everySteps, builder.atEpochEnd,
            logged -> {
              boolean epoch = logged.kind() == LoggedMetrics.Kind.EPOCH;
              long number = epoch ? logged.epoch() : logged.step();
              if (logger == null) {
                LOG.info("{} {} {}: {}", logged.mode().label(), epoch ? "epoch" : "step", number, logged.values());
              } else {
                logger.log(logged.values(), number, logged.mode());
              }
            });
  }

  /**
   * Logs windows of exactly {@code n} steps of each mode.
   *
   * @param n the window length (> 0)
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the output type
   * @return the builder
   */
  public static <E, B, O> Builder<E, B, O> everySteps(long n) {
    if (n <= 0) {
      throw new IllegalArgumentException("everySteps must be > 0, was " + n);
    }
    return new Builder<E, B, O>().steps(n);
  }

  /**
   * Logs one summary per epoch of each mode.
   *
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the output type
   * @return the builder
   */
  public static <E, B, O> Builder<E, B, O> atEpochEnd() {
    return new Builder<E, B, O>().alsoAtEpochEnd();
  }

  @Override
  public void onEpochStart(E experiment, int epoch, Mode mode) {
    windows.epochStarted(epoch, mode);
  }

  @Override
  public void onStepEnd(O outputs, E experiment, long globalStep, Mode mode, B batch) {
    windows.stepEnded(outputs, globalStep, mode);
  }

  @Override
  public void onEpochEnd(E experiment, int epoch, Mode mode) {
    windows.epochEnded(epoch, mode);
  }

  /**
   * Configures a {@link LoggingCallback}.
   *
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the output type
   */
  public static final class Builder<E, B, O> {
    private long everySteps;
    private boolean atEpochEnd;
    private MetricsLogger logger;

    private Builder() {}

    private Builder<E, B, O> steps(long n) {
      this.everySteps = n;
      return this;
    }

    /**
     * Also logs a summary of every epoch.
     *
     * @return this builder
     */
    public Builder<E, B, O> alsoAtEpochEnd() {
      this.atEpochEnd = true;
      return this;
    }

    /**
     * Sends the metrics to a function instead of SLF4J. Without one, each window is logged at
     * INFO to the SLF4J logger {@code solstice} as {@code train step 100: {loss=0.25}} and each
     * epoch summary as {@code val epoch 3: {loss=0.31}}.
     *
     * @param destination the function
     * @return this builder
     */
    public Builder<E, B, O> to(MetricsLogger destination) {
      this.logger = Objects.requireNonNull(destination, "destination");
      return this;
    }

    /**
     * Builds the callback.
     *
     * @return the callback
     */
    public LoggingCallback<E, B, O> build() {
      return new LoggingCallback<>(this);
    }
  }
}
