package io.solstice.reactive.callbacks.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.Mode;
import io.solstice.reactive.callbacks.LoggedMetrics;
import io.solstice.reactive.callbacks.LoggedMetrics.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics CSV reads back exactly what it wrote. */
class MetricsCsvTest {

  @TempDir Path dir;

  private static final List<String> KEYS =
      List.of("loss", "a,b", "say \"hi\"", "two\nlines", "tiny");

  private static LoggedMetrics row(Mode mode, Kind kind, long step, boolean complete,
      Double... values) {
    Map<String, Double> map = new LinkedHashMap<>();
    for (int i = 0; i < values.length; i++) {
      if (values[i] != null) {
        map.put(KEYS.get(i), values[i]);
      }
    }
    return new LoggedMetrics(mode, 2, kind, step, step * 3, 7, map, complete);
  }

  private Path written(List<LoggedMetrics> rows) throws IOException {
    StringBuilder text = new StringBuilder(MetricsCsv.header(KEYS));
    rows.forEach(row -> text.append(MetricsCsv.line(row, KEYS)));
    return Files.writeString(dir.resolve("metrics.csv"), text, StandardCharsets.UTF_8);
  }

  @Test
  void everyValueKeyKindAndModeComesBackAsItWasWritten() throws IOException {
    List<LoggedMetrics> rows = List.of(
        row(Mode.TRAIN, Kind.WINDOW, 5, true, 0.1, Double.NaN, 1e-300, -0.0, Double.MIN_VALUE),
        row(Mode.VAL, Kind.EPOCH, 6, false, Double.POSITIVE_INFINITY, null, null,
            Double.NEGATIVE_INFINITY, 1.0 / 3),
        row(Mode.TEST, Kind.EPOCH, 7, true, null, null, null, null, null));

    MetricsCsv.Table table = MetricsCsv.read(written(rows));

    assertThat(table.keys()).isEqualTo(KEYS);
    assertThat(table.rows()).isEqualTo(rows);
  }

  @Test
  void linesSavedWithWindowsBreaksReadTheSame() throws IOException {
    List<LoggedMetrics> rows = List.of(row(Mode.TRAIN, Kind.EPOCH, 1, true, 0.5, 1.0, 2.0, 3.0, 4.0));
    Path csv = written(rows);
    // Only the breaks between lines: one inside a quoted key stays as it is.
    Files.writeString(csv, Files.readString(csv).replace("4.0\n", "4.0\r\n").replace("tiny\n", "tiny\r\n"));

    MetricsCsv.Table table = MetricsCsv.read(csv);

    assertThat(table.keys()).isEqualTo(KEYS);
    assertThat(table.rows()).isEqualTo(rows);
  }

  @Test
  void aLastLineCutOffBeforeItsBreakIsLeftOut() throws IOException {
    Path csv = written(List.of(row(Mode.TRAIN, Kind.EPOCH, 1, true, 0.5, 1.0, 2.0, 3.0, 4.0)));
    Files.writeString(csv, "train,2,epoch,2,6,7,0.25,\"a", StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);

    assertThat(MetricsCsv.read(csv).rows()).extracting(LoggedMetrics::step).containsExactly(1L);
  }

  @Test
  void aFileOfAnotherShapeIsRefusedWithWhereItWentWrong() throws IOException {
    Path other = Files.writeString(dir.resolve("other.csv"), "a,b\n1,2\n");
    assertThatThrownBy(() -> MetricsCsv.read(other))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is not a metrics CSV");

    Path shortRow = Files.writeString(dir.resolve("short.csv"),
        "mode,epoch,kind,step,train_step,steps,loss\ntrain,0,epoch,1,1,1\n");
    assertThatThrownBy(() -> MetricsCsv.read(shortRow))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("line 2: 6 cells, the header has 7");

    Path badMode = Files.writeString(dir.resolve("mode.csv"),
        "mode,epoch,kind,step,train_step,steps,loss\nfit,0,epoch,1,1,1,0.5\n");
    assertThatThrownBy(() -> MetricsCsv.read(badMode))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("line 2");
  }
}
