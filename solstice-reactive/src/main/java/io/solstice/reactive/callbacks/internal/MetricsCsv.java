package io.solstice.reactive.callbacks.internal;

import io.solstice.core.Mode;
import io.solstice.core.io.CsvLine;
import io.solstice.reactive.callbacks.LoggedMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The CSV form of logged metrics that {@link io.solstice.reactive.callbacks.CsvLogger} writes,
 * and reads back to continue the file of a resumed run: the columns {@code mode, epoch, kind,
 * step, train_step, steps}, then one per metric key, in {@link CsvLine}'s lines; values are
 * written so they parse back to the same double, and an absent value is an empty cell.
 */
public final class MetricsCsv {

  private static final List<String> FIXED =
      List.of("mode", "epoch", "kind", "step", "train_step", "steps");
  private static final String CUT_SHORT = "_cut_short";

  private MetricsCsv() {}

  /**
   * A file read back: its metric keys, in column order, and its rows.
   *
   * @param keys the metric columns
   * @param rows the rows, in file order
   */
  public record Table(List<String> keys, List<LoggedMetrics> rows) {}

  /**
   * The header line.
   *
   * @param keys the metric columns
   * @return the line, with its line break
   */
  public static String header(Collection<String> keys) {
    List<String> cells = new ArrayList<>(FIXED);
    cells.addAll(keys);
    return CsvLine.of(cells);
  }

  /**
   * One row's line.
   *
   * @param row the logged metrics
   * @param keys the metric columns
   * @return the line, with its line break
   */
  public static String line(LoggedMetrics row, Collection<String> keys) {
    List<String> cells = new ArrayList<>(List.of(
        row.mode().label(), Integer.toString(row.epoch()), kind(row),
        Long.toString(row.step()), Long.toString(row.trainStep()), Long.toString(row.steps())));
    for (String key : keys) {
      Double value = row.values().get(key);
      cells.add(value == null ? "" : Double.toString(value));
    }
    return CsvLine.of(cells);
  }

  /**
   * Reads a file this class wrote.
   *
   * @param csv the file
   * @return its keys and rows (without a last line that was cut off before its line break)
   * @throws IOException when it cannot be read, or is not such a file (the message says where)
   */
  public static Table read(Path csv) throws IOException {
    List<List<String>> records = records(Files.readString(csv, StandardCharsets.UTF_8));
    if (records.isEmpty() || records.get(0).size() < FIXED.size()
        || !records.get(0).subList(0, FIXED.size()).equals(FIXED)) {
      throw new IOException(csv + " is not a metrics CSV: its header does not begin with "
          + String.join(",", FIXED));
    }
    List<String> keys = records.get(0).subList(FIXED.size(), records.get(0).size());
    List<LoggedMetrics> rows = new ArrayList<>();
    for (int i = 1; i < records.size(); i++) {
      List<String> cells = records.get(i);
      if (cells.size() != FIXED.size() + keys.size()) {
        throw new IOException(csv + " line " + (i + 1) + ": " + cells.size() + " cells, the header has "
            + (FIXED.size() + keys.size()));
      }
      try {
        rows.add(row(cells, keys));
      } catch (IllegalArgumentException e) {
        throw new IOException(csv + " line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return new Table(List.copyOf(keys), rows);
  }

  private static LoggedMetrics row(List<String> cells, List<String> keys) {
    String kind = cells.get(2);
    boolean cutShort = kind.endsWith(CUT_SHORT);
    Map<String, Double> values = new LinkedHashMap<>();
    for (int k = 0; k < keys.size(); k++) {
      String cell = cells.get(FIXED.size() + k);
      if (!cell.isEmpty()) {
        values.put(keys.get(k), Double.parseDouble(cell));
      }
    }
    return new LoggedMetrics(
        Mode.valueOf(cells.get(0).toUpperCase(Locale.ROOT)),
        Integer.parseInt(cells.get(1)),
        LoggedMetrics.Kind.valueOf(
            (cutShort ? kind.substring(0, kind.length() - CUT_SHORT.length()) : kind)
                .toUpperCase(Locale.ROOT)),
        Long.parseLong(cells.get(3)), Long.parseLong(cells.get(4)), Long.parseLong(cells.get(5)),
        values, !cutShort);
  }

  /** {@code window}, {@code epoch}, or {@code epoch_cut_short} for an epoch a stop cut short. */
  private static String kind(LoggedMetrics row) {
    return row.kind().name().toLowerCase(Locale.ROOT) + (row.complete() ? "" : CUT_SHORT);
  }

  /** The records of {@link CsvLine}'s lines: quoted cells may hold commas, quotes and breaks. */
  private static List<List<String>> records(String text) {
    List<List<String>> records = new ArrayList<>();
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c != '"') {
          cell.append(c);
        } else if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else {
          quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        cells.add(cell.toString());
        cell.setLength(0);
      } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
        continue; // a line break saved the Windows way, by a spreadsheet say
      } else if (c == '\n') {
        cells.add(cell.toString());
        cell.setLength(0);
        records.add(cells);
        cells = new ArrayList<>();
      } else {
        cell.append(c);
      }
    }
    // Every line ends with a break. A last line without one was cut off while it was appended
    // (a process killed mid-write); the row it began is past every checkpoint, so it is left out.
    return records;
  }
}
