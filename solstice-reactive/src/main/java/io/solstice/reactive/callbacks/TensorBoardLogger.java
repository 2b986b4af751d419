package io.solstice.reactive.callbacks;

import io.solstice.core.Mode;
import io.solstice.core.metrics.Metrics;
import io.solstice.reactive.PrequentialMetrics;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingEvent.StepEnded;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.callbacks.internal.LoggedMetricsFlow;
import io.solstice.reactive.callbacks.internal.TensorBoardEvents;
import io.solstice.reactive.callbacks.internal.TfRecordWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import reactor.core.publisher.Flux;

/**
 * Writes the metrics of a run as TensorBoard scalars: the same windows of steps and epoch
 * summaries as {@link CsvLogger} and {@link LoggingCallback} (one Reactor pipeline over the
 * run's events), into TensorBoard event files that {@code tensorboard --logdir DIR} reads.
 *
 * <p><b>Layout.</b> One subdirectory per mode, {@code train}, {@code validation} and {@code
 * test}, which TensorBoard shows as three runs, so a metric's train and validation curves share
 * one chart. Each run of the engine that logs a value of a mode opens a new event file there,
 * named {@code events.out.tfevents.<seconds>.solstice.<pid>.<n>}, and closes it when the run
 * ends; TensorBoard reads every file of a directory, so a resumed run continues the curves.
 *
 * <p><b>Tags and steps.</b> A window of steps is written as {@code step/<key>} at x = the number
 * of steps of that mode done (the CSV's {@code step} column); an epoch summary as {@code
 * epoch/<key>} at x = the epoch number, or as {@code epoch_cut_short/<key>} when a stop cut the
 * epoch short (its values cover only the steps that ran, so they stay off the epoch curves). In
 * a {@link io.solstice.reactive.Run#prequential prequential} (test-then-train) run, the train step that ends each window also writes its
 * prequential evaluation as {@code prequential/cumulative/<key>}, {@code
 * prequential/window/<key>} and {@code prequential/fading/<key>} at the same x. TensorBoard stores scalars as 32-bit floats ({@code
 * Summary.Value.simple_value}), so each value is the CSV's double rounded to the nearest float.
 *
 * <p><b>Format.</b> TFRecord framing (length, masked CRC-32C of the length, data, masked CRC-32C
 * of the data) of {@code Event} protocol buffers, the first of each file carrying {@code
 * file_version = "brain.Event:2"}; see {@code internal.TensorBoardEvents} for the fields. The
 * scalars of each window or epoch are flushed together, so TensorBoard shows a run while it
 * trains.
 *
 * <p>Concurrent runs may share one logger: each run has its own files.
 *
 * <pre>{@code
 * Solstice.run(model).train(train).validate(val).epochs(10)
 *     .subscribers(TensorBoardLogger.to(runDir.resolve("tensorboard")).everySteps(1).build())
 *     .block();
 * }</pre>
 */
public final class TensorBoardLogger implements TrainingSubscriber<Object, Object> {

  private static final String FILE_PREFIX = "events.out.tfevents.";
  private static final AtomicLong FILES = new AtomicLong();

  private final Path directory;
  private final TrainingSubscriber<Object, Object> pipeline;

  private TensorBoardLogger(Builder builder) {
    this.directory = builder.directory;
    LoggedMetricsFlow logged =
        new LoggedMetricsFlow("TensorBoardLogger", builder.everySteps, builder.atEpochEnd);
    long everySteps = builder.everySteps;
    this.pipeline = TrainingSubscriber.flow(events -> {
      RunFiles files = new RunFiles();
      return events
          .publish(shared -> Flux.merge(
              logged.logged(shared).doOnNext(files::write),
              everySteps > 0 ? prequentialPoints(shared, everySteps).doOnNext(files::write) : Flux.empty()))
          .doFinally(signal -> files.close());
    });
  }

  /**
   * A builder writing under the given directory (created when the first value is written), one
   * set of scalars per epoch of each mode unless told otherwise.
   *
   * @param directory TensorBoard's log directory for this run, for example {@code
   *     run-dir/tensorboard}
   * @return the builder
   */
  public static Builder to(Path directory) {
    return new Builder(directory);
  }

  /**
   * The subdirectory a mode's event files go to.
   *
   * @param mode TRAIN, VAL or TEST
   * @return {@code train}, {@code validation} or {@code test}
   */
  public static String directoryOf(Mode mode) {
    return switch (mode) {
      case TRAIN -> "train";
      case VAL -> "validation";
      case TEST -> "test";
    };
  }

  /**
   * The prequential evaluation of the train steps that end a window of {@code everySteps}, as
   * rows of their own tags.
   */
  private static Flux<Point> prequentialPoints(Flux<TrainingEvent<Object, Object>> events, long everySteps) {
    return events.handle((event, sink) -> {
      if (event instanceof StepEnded<Object, Object> step
          && step.mode() == Mode.TRAIN
          && step.prequential() != null
          && (step.globalStep() + 1) % everySteps == 0) {
        PrequentialMetrics<Object> prequential = step.prequential();
        Map<String, Double> values = new LinkedHashMap<>();
        computed(prequential.cumulative()).forEach((key, value) -> values.put("cumulative/" + key, value));
        computed(prequential.window()).forEach((key, value) -> values.put("window/" + key, value));
        prequential.fading().forEach((key, value) -> values.put("fading/" + key, value));
        sink.next(new Point(Mode.TRAIN, "prequential/", step.globalStep() + 1, values));
      }
    });
  }

  private static Map<String, Double> computed(Object outputs) {
    if (outputs instanceof Metrics<?> metrics) {
      return metrics.compute();
    }
    throw new IllegalArgumentException("TensorBoardLogger needs step outputs that implement "
        + "io.solstice.core.metrics.Metrics, but got " + outputs.getClass().getName()
        + "; return a Metrics (for example a MetricGroup) from trainStep/evalStep");
  }

  /** Values to write: the mode's directory, a tag prefix, the x coordinate. */
  private record Point(Mode mode, String prefix, long step, Map<String, Double> values) {
    static Point of(LoggedMetrics row) {
      if (row.kind() == LoggedMetrics.Kind.WINDOW) {
        return new Point(row.mode(), "step/", row.step(), row.values());
      }
      // Apart from the epoch curves: a cut-short epoch's values cover only part of its data.
      return new Point(row.mode(), row.complete() ? "epoch/" : "epoch_cut_short/", row.epoch(), row.values());
    }
  }

  /**
   * Deletes the event files a logger wrote under a log directory (in its {@code train}, {@code
   * validation} and {@code test} subdirectories), so that a fresh run in the same place starts
   * new curves: TensorBoard draws every file of a directory. Other files are left alone.
   *
   * @param directory the log directory given to {@link #to}
   * @return how many files were deleted
   * @throws UncheckedIOException when one cannot be deleted
   */
  public static int deleteEventFiles(Path directory) {
    int deleted = 0;
    for (Mode mode : Mode.values()) {
      Path dir = directory.resolve(directoryOf(mode));
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : files.filter(f -> f.getFileName().toString().startsWith(FILE_PREFIX)).toList()) {
          Files.delete(file);
          deleted++;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete the TensorBoard event files in " + dir, e);
      }
    }
    return deleted;
  }

  @Override
  public void onEvent(TrainingEvent<Object, Object> event) throws Exception {
    pipeline.onEvent(event);
  }

  @Override
  public String toString() {
    return "TensorBoardLogger[" + directory + "]";
  }

  /** The event files of one run, one per mode, opened at the mode's first value. */
  private final class RunFiles {
    private final Map<Mode, TfRecordWriter> writers = new EnumMap<>(Mode.class);

    void write(LoggedMetrics row) {
      write(Point.of(row));
    }

    void write(Point point) {
      double wallTime = System.currentTimeMillis() / 1000.0;
      try {
        TfRecordWriter writer = writerOf(point.mode(), wallTime);
        for (Map.Entry<String, Double> value : point.values().entrySet()) {
          writer.write(TensorBoardEvents.scalar(wallTime, point.step(), point.prefix() + value.getKey(),
              value.getValue()));
        }
        writer.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write TensorBoard events under " + directory, e);
      }
    }

    private TfRecordWriter writerOf(Mode mode, double wallTime) throws IOException {
      TfRecordWriter writer = writers.get(mode);
      if (writer == null) {
        Path dir = Files.createDirectories(directory.resolve(directoryOf(mode)));
        String name = String.format(Locale.ROOT, FILE_PREFIX + "%d.solstice.%d.%d",
            (long) wallTime, ProcessHandle.current().pid(), FILES.incrementAndGet());
        writer = new TfRecordWriter(dir.resolve(name));
        writers.put(mode, writer);
        writer.write(TensorBoardEvents.fileVersion(wallTime));
      }
      return writer;
    }

    void close() {
      IOException failure = null;
      for (TfRecordWriter writer : writers.values()) {
        try {
          writer.close();
        } catch (IOException e) {
          failure = e;
        }
      }
      writers.clear();
      if (failure != null) {
        throw new UncheckedIOException("cannot close TensorBoard event files under " + directory, failure);
      }
    }
  }

  /** Configures a {@link TensorBoardLogger}. */
  public static final class Builder {
    private final Path directory;
    private long everySteps;
    private boolean atEpochEnd = true;

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
    }

    /**
     * Also writes the metrics of every window of exactly {@code n} steps of each mode ({@code
     * 1}: every step), and, in a prequential run, the prequential evaluation every {@code n}
     * train steps.
     *
     * @param n the window length (> 0)
     * @return this builder
     */
    public Builder everySteps(long n) {
      if (n <= 0) {
        throw new IllegalArgumentException("everySteps must be > 0, was " + n);
      }
      this.everySteps = n;
      return this;
    }

    /**
     * Whether to write each epoch's summary (default true).
     *
     * @param enabled true for epoch scalars
     * @return this builder
     */
    public Builder atEpochEnd(boolean enabled) {
      this.atEpochEnd = enabled;
      return this;
    }

    /**
     * Builds the logger.
     *
     * @return the logger, for {@link io.solstice.reactive.Run#subscribers}
     * @throws IllegalArgumentException when it would write nothing
     */
    public TensorBoardLogger build() {
      return new TensorBoardLogger(this);
    }
  }
}
