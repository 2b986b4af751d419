package io.solstice.reactive.callbacks;

import io.solstice.core.Callback;
import io.solstice.core.Mode;
import io.solstice.core.metrics.Metrics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A console progress bar per epoch: steps done, rate, ETA when the epoch's length is known, and
 * the latest step's metrics.
 *
 * <p>The length of an epoch is known when the user gives it ({@link
 * Builder#stepsPerEpoch(Mode, long)}) or learnt from the previous epoch of the same mode; on an
 * unbounded stream it is never known, and the bar shows steps and rate without ETA.
 *
 * <p>On a terminal ({@code System.console() != null}, or {@link Builder#interactive(boolean)})
 * one line is redrawn in place with a carriage return, at most every 100 ms by default. When
 * the output is not a terminal (CI logs), a plain line is printed at most every 10 s by default
 * and at every epoch end, so logs stay readable.
 *
 * <p>Metrics shown are the latest step's outputs' {@code compute()} (when they are {@link
 * Metrics}), computed only when a line is drawn, at most four keys.
 *
 * @param <E> the experiment type
 * @param <B> the batch type
 * @param <O> the step-output type
 */
public final class ProgressBar<E, B, O> implements Callback<E, B, O> {

  private static final int BAR_WIDTH = 24;
  private static final int MAX_KEYS = 4;

  private final PrintStream out;
  private final boolean interactive;
  private final long refreshNanos;
  private final LongSupplier clock;
  private final Map<Mode, Long> givenLengths;
  private final Map<Mode, Long> learntLengths = new EnumMap<>(Mode.class);

  private Mode mode;
  private int epoch;
  private long done;
  private long startNanos;
  private long lastDrawNanos;
  private Object latestOutputs;
  private int lastLineLength;

  private ProgressBar(Builder<E, B, O> builder) {
    this.out = builder.out;
    this.interactive = builder.interactive != null ? builder.interactive : System.console() != null;
    this.refreshNanos =
        (builder.refresh != null ? builder.refresh : interactive ? Duration.ofMillis(100) : Duration.ofSeconds(10))
            .toNanos();
    this.clock = builder.clock;
    this.givenLengths = new EnumMap<>(builder.lengths);
  }

  /**
   * A builder printing to {@code System.out}.
   *
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the output type
   * @return the builder
   */
  public static <E, B, O> Builder<E, B, O> builder() {
    return new Builder<>();
  }

  @Override
  public void onEpochStart(E experiment, int epochNumber, Mode epochMode) {
    mode = epochMode;
    epoch = epochNumber;
    done = 0;
    latestOutputs = null;
    startNanos = clock.getAsLong();
    lastDrawNanos = startNanos;
    lastLineLength = 0;
  }

  @Override
  public void onStepEnd(O outputs, E experiment, long globalStep, Mode stepMode, B batch) {
    done++;
    latestOutputs = outputs;
    long now = clock.getAsLong();
    Long total = givenLengths.getOrDefault(mode, learntLengths.get(mode));
    boolean epochEndDrawsNext = total != null && done >= total;
    if (!epochEndDrawsNext && now - lastDrawNanos >= refreshNanos) {
      lastDrawNanos = now;
      draw(now, false);
    }
  }

  @Override
  public void onEpochEnd(E experiment, int epochNumber, Mode epochMode) {
    draw(clock.getAsLong(), true);
    if (givenLengths.get(epochMode) == null) {
      learntLengths.put(epochMode, done);
    }
  }

  private void draw(long now, boolean finished) {
    Long total = givenLengths.getOrDefault(mode, learntLengths.get(mode));
    double seconds = (now - startNanos) / 1e9;
    double rate = seconds > 0 ? done / seconds : 0;
    StringBuilder line = new StringBuilder();
    line.append(mode.label()).append(" epoch ").append(epoch).append(interactive ? " " : ": ");
    if (total != null && total > 0) {
      long shown = Math.min(done, total);
      if (interactive) {
        int filled = (int) (BAR_WIDTH * shown / total);
        line.append('[').append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append("] ");
      }
      line.append(done).append('/').append(total)
          .append(String.format(Locale.ROOT, " (%d%%)", 100 * shown / total));
    } else {
      line.append(done).append(" steps");
    }
    line.append(String.format(Locale.ROOT, ", %.1f steps/s", rate));
    if (finished) {
      line.append(", ").append(clockText(seconds));
    } else if (total != null && total > done && rate > 0) {
      line.append(", ETA ").append(clockText((total - done) / rate));
    }
    appendMetrics(line);
    if (interactive) {
      String text = line.toString();
      int padding = Math.max(0, lastLineLength - text.length());
      out.print("\r" + text + " ".repeat(padding) + (finished ? System.lineSeparator() : ""));
      lastLineLength = finished ? 0 : text.length();
    } else {
      out.println(line);
    }
    out.flush();
  }

  private void appendMetrics(StringBuilder line) {
    if (!(latestOutputs instanceof Metrics<?> metrics)) {
      return;
    }
    Iterator<Map.Entry<String, Double>> values = metrics.compute().entrySet().iterator();
    for (int i = 0; i < MAX_KEYS && values.hasNext(); i++) {
      Map.Entry<String, Double> value = values.next();
      line.append(i == 0 ? " | " : " ").append(value.getKey()).append('=')
          .append(String.format(Locale.ROOT, "%.4g", value.getValue()));
    }
  }

  private static String clockText(double seconds) {
    long total = Math.round(seconds);
    return total >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
        : String.format(Locale.ROOT, "%d:%02d", total / 60, total % 60);
  }

  /**
   * Configures a {@link ProgressBar}.
   *
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the output type
   */
  public static final class Builder<E, B, O> {
    private PrintStream out = System.out;
    private Boolean interactive;
    private Duration refresh;
    private LongSupplier clock = System::nanoTime;
    private final Map<Mode, Long> lengths = new EnumMap<>(Mode.class);

    private Builder() {}

    /**
     * Where to print (default {@code System.out}).
     *
     * @param stream the stream
     * @return this builder
     */
    public Builder<E, B, O> output(PrintStream stream) {
      this.out = Objects.requireNonNull(stream, "output");
      return this;
    }

    /**
     * Forces the redrawn bar (true) or plain lines (false), instead of asking {@code
     * System.console()}.
     *
     * @param terminal true for a terminal
     * @return this builder
     */
    public Builder<E, B, O> interactive(boolean terminal) {
      this.interactive = terminal;
      return this;
    }

    /**
     * The shortest time between two drawings (default 100 ms on a terminal, 10 s otherwise).
     *
     * @param interval the interval
     * @return this builder
     */
    public Builder<E, B, O> refreshEvery(Duration interval) {
      this.refresh = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /**
     * The number of steps in every epoch of a mode, when known in advance.
     *
     * @param epochMode the mode
     * @param steps the steps per epoch (> 0)
     * @return this builder
     */
    public Builder<E, B, O> stepsPerEpoch(Mode epochMode, long steps) {
      if (steps <= 0) {
        throw new IllegalArgumentException("stepsPerEpoch must be > 0, was " + steps);
      }
      lengths.put(Objects.requireNonNull(epochMode, "mode"), steps);
      return this;
    }

    /**
     * The nanosecond clock (default {@link System#nanoTime}).
     *
     * @param nanoTime the clock
     * @return this builder
     */
    public Builder<E, B, O> clock(LongSupplier nanoTime) {
      this.clock = Objects.requireNonNull(nanoTime, "clock");
      return this;
    }

    /**
     * Builds the bar.
     *
     * @return the bar
     */
    public ProgressBar<E, B, O> build() {
      return new ProgressBar<>(this);
    }
  }
}
