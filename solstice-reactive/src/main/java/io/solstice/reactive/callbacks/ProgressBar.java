package io.solstice.reactive.callbacks;

import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.core.metrics.Metrics;
import io.solstice.reactive.RunControl;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A console progress bar per epoch: steps done, rate, ETA when the epoch's length is known, and
 * the latest step's metrics, then the epoch's. A synchronous subscriber: it draws from {@code EpochStarted}, {@code
 * StepEnded} and {@code EpochEnded}.
 *
 * <p>The length of an epoch is known when the user gives it ({@link
 * Builder#stepsPerEpoch(Mode, long)}) or learnt from the previous complete epoch of the same
 * mode (one a stop cut short does not count); on an unbounded stream it is never known, and the
 * bar shows steps and rate without ETA.
 *
 * <p>On a terminal ({@code System.console() != null}, or {@link Builder#interactive(boolean)})
 * one line is redrawn in place with a carriage return, at most every 100 ms by default. When
 * the output is not a terminal (CI logs), a plain line is printed at most every 10 s by default
 * and at every epoch end, so logs stay readable.
 *
 * <p>Metrics shown during an epoch are the latest step's outputs' {@code compute()} (when they are
 * {@link Metrics}), computed only when a line is drawn; the line that ends an epoch shows the
 * epoch's merged metrics ({@code EpochEnded.values()}), the figures an epoch's log line gives,
 * rather than its last batch's, which may hold only a few rows. At most four keys.
 *
 * <p>A run resumed inside a train epoch ({@link io.solstice.reactive.Run#resumeFrom}) counts
 * that epoch's steps from the batches done before the resume, which the line names; its rate
 * counts the steps this run made.
 *
 * <p>Each epoch has its own bar, also when a validation interrupts a train epoch ({@link
 * io.solstice.reactive.Run#validateEverySteps}): the train bar continues after it. Several runs
 * may share one bar, each with its own epochs, but their lines interleave on one console.
 */
public final class ProgressBar implements TrainingSubscriber<Object, Object> {

  private static final int BAR_WIDTH = 24;
  private static final int MAX_KEYS = 4;

  private final PrintStream out;
  private final boolean interactive;
  private final long refreshNanos;
  private final LongSupplier clock;
  private final Map<Mode, Long> givenLengths;
  private final Map<Mode, Long> learntLengths = new ConcurrentHashMap<>();
  // The epochs in progress, per run and mode; each is touched only by its run's training thread.
  private final Map<RunControl, Map<Mode, EpochProgress>> epochs = new ConcurrentHashMap<>();
  // Runs resumed inside a train epoch, until that epoch starts: its count begins at the batches
  // done before the resume.
  private final Map<RunControl, RunPosition> resumedInsideAnEpoch = new ConcurrentHashMap<>();
  private int lastLineLength;

  private ProgressBar(Builder builder) {
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
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void onEvent(TrainingEvent<Object, Object> event) {
    if (event instanceof TrainingEvent.RunStarted<Object, Object> started
        && started.position().batchesIntoEpoch() > 0) {
      resumedInsideAnEpoch.put(started.run(), started.position());
    } else if (event instanceof TrainingEvent.EpochStarted<Object, Object> started) {
      long before = 0;
      if (started.mode() == Mode.TRAIN) {
        RunPosition resumed = resumedInsideAnEpoch.remove(started.run());
        before = resumed != null && resumed.epoch() == started.epoch() ? resumed.batchesIntoEpoch() : 0;
      }
      epochs.computeIfAbsent(started.run(), run -> new EnumMap<>(Mode.class)).put(started.mode(),
          new EpochProgress(started.mode(), started.epoch(), clock.getAsLong(), before));
    } else if (event instanceof TrainingEvent.StepEnded<Object, Object> step) {
      EpochProgress progress = progressOf(step.run(), step.mode());
      if (progress != null) {
        stepEnded(progress, step.outputs());
      }
    } else if (event instanceof TrainingEvent.EpochEnded<Object, Object> ended) {
      EpochProgress progress = progressOf(ended.run(), ended.mode());
      if (progress != null) {
        epochs.get(ended.run()).remove(ended.mode());
        draw(progress, clock.getAsLong(), ended.values());
        // An epoch a stop cut short says nothing about how long the next one will be.
        if (givenLengths.get(ended.mode()) == null && ended.complete()) {
          learntLengths.put(ended.mode(), progress.done);
        }
      }
    } else if (event instanceof TrainingEvent.RunEnded<Object, Object> ended) {
      epochs.remove(ended.run());
      resumedInsideAnEpoch.remove(ended.run());
    }
  }

  private EpochProgress progressOf(RunControl run, Mode mode) {
    Map<Mode, EpochProgress> ofRun = epochs.get(run);
    return ofRun == null ? null : ofRun.get(mode);
  }

  private void stepEnded(EpochProgress progress, Object outputs) {
    progress.done++;
    progress.latestOutputs = outputs;
    long now = clock.getAsLong();
    Long total = lengthOf(progress.mode);
    boolean epochEndDrawsNext = total != null && progress.done >= total;
    if (!epochEndDrawsNext && now - progress.lastDrawNanos >= refreshNanos) {
      progress.lastDrawNanos = now;
      draw(progress, now, null);
    }
  }

  private Long lengthOf(Mode mode) {
    return givenLengths.getOrDefault(mode, learntLengths.get(mode));
  }

  /** One epoch's progress. */
  private static final class EpochProgress {
    final Mode mode;
    final int epoch;
    final long startNanos;
    // Steps of this epoch done before the run resumed in it.
    final long beforeResume;
    long lastDrawNanos;
    long done;
    Object latestOutputs;

    EpochProgress(Mode mode, int epoch, long startNanos, long beforeResume) {
      this.mode = mode;
      this.epoch = epoch;
      this.startNanos = startNanos;
      this.beforeResume = beforeResume;
      this.lastDrawNanos = startNanos;
      this.done = beforeResume;
    }
  }

  /**
   * Draws an epoch's line: in progress with its latest step's metrics when {@code epochValues} is
   * null, finished with the epoch's metrics otherwise.
   */
  private void draw(EpochProgress progress, long now, Map<String, Double> epochValues) {
    boolean finished = epochValues != null;
    Long total = lengthOf(progress.mode);
    long done = progress.done;
    double seconds = (now - progress.startNanos) / 1e9;
    double rate = seconds > 0 ? (done - progress.beforeResume) / seconds : 0;
    StringBuilder line = new StringBuilder();
    line.append(progress.mode.label()).append(" epoch ").append(progress.epoch)
        .append(interactive ? " " : ": ");
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
    if (progress.beforeResume > 0) {
      line.append(" (").append(progress.beforeResume).append(" before the resume)");
    }
    line.append(String.format(Locale.ROOT, ", %.1f steps/s", rate));
    if (finished) {
      line.append(", ").append(clockText(seconds));
    } else if (total != null && total > done && rate > 0) {
      line.append(", ETA ").append(clockText((total - done) / rate));
    }
    if (finished) {
      appendMetrics(line, epochValues);
    } else if (progress.latestOutputs instanceof Metrics<?> metrics) {
      appendMetrics(line, metrics.compute());
    }
    print(line.toString(), finished);
  }

  private synchronized void print(String text, boolean finished) {
    if (interactive) {
      int padding = Math.max(0, lastLineLength - text.length());
      out.print("\r" + text + " ".repeat(padding) + (finished ? System.lineSeparator() : ""));
      lastLineLength = finished ? 0 : text.length();
    } else {
      out.println(text);
    }
    out.flush();
  }

  private static void appendMetrics(StringBuilder line, Map<String, Double> computed) {
    Iterator<Map.Entry<String, Double>> values = computed.entrySet().iterator();
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

  /** Configures a {@link ProgressBar}. */
  public static final class Builder {
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
    public Builder output(PrintStream stream) {
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
    public Builder interactive(boolean terminal) {
      this.interactive = terminal;
      return this;
    }

    /**
     * The shortest time between two drawings (default 100 ms on a terminal, 10 s otherwise).
     *
     * @param interval the interval
     * @return this builder
     */
    public Builder refreshEvery(Duration interval) {
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
    public Builder stepsPerEpoch(Mode epochMode, long steps) {
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
    public Builder clock(LongSupplier nanoTime) {
      this.clock = Objects.requireNonNull(nanoTime, "clock");
      return this;
    }

    /**
     * Builds the bar.
     *
     * @return the bar, for {@link io.solstice.reactive.Run#subscribers}
     */
    public ProgressBar build() {
      return new ProgressBar(this);
    }
  }
}
