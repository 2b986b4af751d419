package io.solstice.reactive.callbacks;

import io.solstice.core.io.AtomicFiles;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.callbacks.internal.LearningCurvePlot;
import io.solstice.reactive.callbacks.internal.LoggedMetricsFlow;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

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

  private static final List<String> FIXED = List.of("mode", "epoch", "kind", "step", "train_step", "steps");

  private final Path csv;
  private final Path plot;
  private final List<String> plotKeys;
  private final TrainingSubscriber<Object, Object> pipeline;
  private final Set<String> keys = new LinkedHashSet<>();
  private final List<LoggedMetrics> rows = new ArrayList<>();

  private CsvLogger(Builder builder) {
    this.csv = builder.csv;
    this.plot = builder.plot;
    this.plotKeys = builder.plotKeys;
    LoggedMetricsFlow logged =
        new LoggedMetricsFlow("CsvLogger", builder.everySteps, builder.atEpochEnd);
    // The run's events complete after RunEnded: then the plot is drawn if this run logged a row.
    this.pipeline = TrainingSubscriber.flow(events -> logged.logged(events)
        .doOnNext(this::append)
        .count()
        .filter(rowsOfRun -> rowsOfRun > 0 && plot != null)
        .doOnNext(rowsOfRun -> writePlot(plot)));
  }

  /**
   * A builder writing to the given CSV file (replaced if it exists), one row per epoch of each
   * mode unless told otherwise.
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

  private synchronized void append(LoggedMetrics row) {
    rows.add(row);
    boolean widened = keys.addAll(row.values().keySet());
    try {
      if (widened || rows.size() == 1) {
        AtomicFiles.write(csv, out -> {
          Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
          writer.write(header());
          for (LoggedMetrics each : rows) {
            writer.write(line(each));
          }
          writer.flush();
        });
      } else {
        Files.writeString(csv, line(row), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write metrics CSV " + csv, e);
    }
  }

  private String header() {
    List<String> cells = new ArrayList<>(FIXED);
    cells.addAll(keys);
    return join(cells);
  }

  private String line(LoggedMetrics row) {
    List<String> cells = new ArrayList<>(List.of(
        row.mode().label(), Integer.toString(row.epoch()), kind(row),
        Long.toString(row.step()), Long.toString(row.trainStep()), Long.toString(row.steps())));
    for (String key : keys) {
      Double value = row.values().get(key);
      cells.add(value == null ? "" : Double.toString(value));
    }
    return join(cells);
  }

  /** {@code window}, {@code epoch}, or {@code epoch_cut_short} for an epoch a stop cut short. */
  private static String kind(LoggedMetrics row) {
    return row.kind().name().toLowerCase(Locale.ROOT) + (row.complete() ? "" : "_cut_short");
  }

  private static String join(List<String> cells) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String cell = cells.get(i);
      if (cell.contains(",") || cell.contains("\"") || cell.contains("\n")) {
        cell = '"' + cell.replace("\"", "\"\"") + '"';
      }
      line.append(i == 0 ? "" : ",").append(cell);
    }
    return line.append('\n').toString();
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
