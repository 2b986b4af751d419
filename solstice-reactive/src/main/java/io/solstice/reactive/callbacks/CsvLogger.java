package io.solstice.reactive.callbacks;

import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.core.io.AtomicFiles;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.callbacks.internal.LearningCurvePlot;
import io.solstice.reactive.callbacks.internal.LoggedMetricsFlow;
import io.solstice.reactive.callbacks.internal.MetricsCsv;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one CSV row per logged window of steps and/or per epoch (the same windows as {@link
 * LoggingCallback}, built by the same Reactor pipeline over the run's events), and draws a
 * learning-curve PNG at the end of the run and on demand.
 *
 * <p><b>Columns:</b> {@code mode, epoch, kind, step, train_step, steps}, then one column per
 * metric key, in the order keys were first seen. {@code kind} is {@code window}, {@code epoch},
 * or {@code epoch_cut_short} for an epoch that a stop cut short (a validation stopped half-way:
 * its values cover only the steps that ran); {@code step} is the number of steps of that mode
 * done; {@code train_step} the number of train steps done in the run (the common x axis of the
 * plot); {@code steps} how many steps the row covers. Values are written so they parse back to the same double; an absent value is
 * an empty cell.
 *
 * <p><b>New keys:</b> when a row brings a key not seen before, the file is rewritten atomically
 * with the wider header, earlier rows getting empty cells in the new column; otherwise rows are
 * appended and flushed one by one, so the file is readable during the run. The file is replaced
 * when the first row is written. Rows are also kept in memory for the plot.
 *
 * <p><b>Resumed runs</b> (a {@code RunStarted} at a position other than the start, {@link
 * io.solstice.reactive.Run#resumeFrom}) continue the file: the logger takes the rows it holds,
 * or else reads the file back, and keeps those logged before the resume position's train step
 * T, and those logged at T that a stop did not cut short. When the resumed run logs a row again
 * (the same mode, kind, epoch and step count at T: a validation it repeats, an epoch it ends),
 * the new row replaces the earlier one. So the file and the plot of an interrupted and resumed
 * run hold what an uninterrupted run's would, with one exception: a window of steps that the
 * resume split covers only the steps since the resume. A file that cannot be read back is
 * replaced, with a warning.
 *
 * <p><b>Plot:</b> one panel per plotted key (by default every key containing {@code loss} or
 * {@code acc}, or the first key when none does), one line per mode, x = train steps done; train
 * curves use step windows when there are any, other modes their epoch summaries (epochs cut
 * short left out). With {@link Builder#plotAtEnd}, the PNG is drawn when a run that logged a row
 * ends ({@code RunEnded}, whatever the outcome); a run that logged nothing (say, a resume of a finished run) keeps the
 * plot it found.
 *
 * <p>One logger writes one file: the rows of every run it serves go to it, in the order they are
 * logged, so give concurrent runs a logger each. Rows, the file and the plot are guarded by this
 * logger's lock, so {@link #rows()} and {@link #writePlot} may be called from any thread.
 */
public final class CsvLogger implements TrainingSubscriber<Object, Object> {

  private static final Logger LOG = LoggerFactory.getLogger("solstice");

  private final Path csv;
  private final Path plot;
  private final List<String> plotKeys;
  private final TrainingSubscriber<Object, Object> pipeline;
  private final Set<String> keys = new LinkedHashSet<>();
  private final List<LoggedMetrics> rows = new ArrayList<>();
  // Rows kept at a resumed run's position, which that run may log again.
  private final Set<RowKey> replaceable = new HashSet<>();
  // The next row rewrites the file: the first row, and the first after rows were dropped.
  private boolean rewrite = true;

  private CsvLogger(Builder builder) {
    this.csv = builder.csv;
    this.plot = builder.plot;
    this.plotKeys = builder.plotKeys;
    LoggedMetricsFlow logged =
        new LoggedMetricsFlow("CsvLogger", builder.everySteps, builder.atEpochEnd);
    // The run's events complete after RunEnded: then the plot is drawn if this run logged a row.
    this.pipeline = TrainingSubscriber.flow(events -> logged.logged(events.doOnNext(event -> {
          if (event instanceof TrainingEvent.RunStarted<Object, Object> started
              && !started.position().equals(RunPosition.START)) {
            continueAt(started.position().trainSteps());
          }
        }))
        .doOnNext(this::append)
        .count()
        .filter(rowsOfRun -> rowsOfRun > 0 && plot != null)
        .doOnNext(rowsOfRun -> writePlot(plot)));
  }

  /**
   * A builder writing to the given CSV file (replaced if it exists, continued by a resumed
   * run), one row per epoch of each mode unless told otherwise.
   *
   * @param csv the CSV file
   * @return the builder
   */
  public static Builder to(Path csv) {
    return new Builder(csv);
  }

  /**
   * The rows logged so far.
   *
   * @return the rows, in order
   */
  public synchronized List<LoggedMetrics> rows() {
    return List.copyOf(rows);
  }

  @Override
  public void onEvent(TrainingEvent<Object, Object> event) throws Exception {
    pipeline.onEvent(event);
  }

  /**
   * Draws the learning curves of the rows so far (of every run this logger served) into a PNG
   * (atomically replaced).
   *
   * @param file the PNG file
   * @throws UncheckedIOException when it cannot be written
   */
  public synchronized void writePlot(Path file) {
    List<String> drawn = plotKeys;
    if (drawn == null) {
      drawn = keys.stream()
          .filter(k -> k.toLowerCase(Locale.ROOT).contains("loss") || k.toLowerCase(Locale.ROOT).contains("acc"))
          .toList();
      if (drawn.isEmpty()) {
        drawn = keys.stream().limit(1).toList();
      }
    }
    try {
      LearningCurvePlot.write(rows, drawn, file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write learning-curve plot " + file, e);
    }
  }

  /**
   * Keeps the rows logged before a resumed run's train step, and those at it that no stop cut
   * short; the file is rewritten with them at the next row.
   */
  private synchronized void continueAt(long trainStep) {
    if (rows.isEmpty() && Files.exists(csv)) {
      try {
        MetricsCsv.Table table = MetricsCsv.read(csv);
        keys.addAll(table.keys());
        rows.addAll(table.rows());
      } catch (IOException e) {
        LOG.warn("CsvLogger cannot continue {} ({}); it is replaced at the first row", csv,
            e.getMessage());
        return;
      }
    }
    int before = rows.size();
    rows.removeIf(row -> row.trainStep() > trainStep
        || row.trainStep() == trainStep && !row.complete());
    replaceable.clear();
    rows.stream().filter(row -> row.trainStep() == trainStep).map(RowKey::of)
        .forEach(replaceable::add);
    rewrite = true;
    LOG.info("CsvLogger continues {} at train step {}: {} rows kept, {} past it dropped", csv,
        trainStep, rows.size(), before - rows.size());
  }

  private synchronized void append(LoggedMetrics row) {
    RowKey key = RowKey.of(row);
    if (replaceable.remove(key)) {
      rows.removeIf(kept -> RowKey.of(kept).equals(key));
      rewrite = true;
    }
    rows.add(row);
    boolean widened = keys.addAll(row.values().keySet());
    try {
      if (widened || rewrite) {
        AtomicFiles.write(csv, out -> {
          Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
          writer.write(MetricsCsv.header(keys));
          for (LoggedMetrics each : rows) {
            writer.write(MetricsCsv.line(each, keys));
          }
          writer.flush();
        });
        rewrite = false;
      } else {
        Files.writeString(csv, MetricsCsv.line(row, keys), StandardCharsets.UTF_8,
            StandardOpenOption.APPEND);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write metrics CSV " + csv, e);
    }
  }

  /** What tells a row apart from every other row of an uninterrupted run. */
  private record RowKey(Mode mode, LoggedMetrics.Kind kind, int epoch, long step) {
    static RowKey of(LoggedMetrics row) {
      return new RowKey(row.mode(), row.kind(), row.epoch(), row.step());
    }
  }

  /** Configures a {@link CsvLogger}. */
  public static final class Builder {
    private final Path csv;
    private long everySteps;
    private boolean atEpochEnd = true;
    private Path plot;
    private List<String> plotKeys;

    private Builder(Path csv) {
      this.csv = Objects.requireNonNull(csv, "csv");
    }

    /**
     * Also writes a row for every window of exactly {@code n} steps of each mode.
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
     * Whether to write a row per epoch of each mode (default true).
     *
     * @param enabled true for epoch rows
     * @return this builder
     */
    public Builder atEpochEnd(boolean enabled) {
      this.atEpochEnd = enabled;
      return this;
    }

    /**
     * Draws the learning curves into this PNG when the run ends.
     *
     * @param png the image file
     * @return this builder
     */
    public Builder plotAtEnd(Path png) {
      this.plot = Objects.requireNonNull(png, "png");
      return this;
    }

    /**
     * The metric keys to plot, one panel each (default: keys containing loss or acc).
     *
     * @param metricKeys the keys
     * @return this builder
     */
    public Builder plotKeys(String... metricKeys) {
      this.plotKeys = List.of(metricKeys);
      return this;
    }

    /**
     * Builds the logger.
     *
     * @return the logger, for {@link io.solstice.reactive.Run#subscribers}
     * @throws IllegalArgumentException when it would log nothing (no step windows and no epoch
     *     rows)
     */
    public CsvLogger build() {
      return new CsvLogger(this);
    }
  }
}
