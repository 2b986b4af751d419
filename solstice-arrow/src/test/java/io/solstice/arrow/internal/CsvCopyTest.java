package io.solstice.arrow.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.arrow.ReadOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The copy of a text file that Arrow's reader reads as the file means, byte for byte elsewhere. */
class CsvCopyTest {
  @TempDir Path dir;

  private String copied(String text, char delimiter, int linesBefore, List<String> markers) throws IOException {
    return copied(text, new CsvDialect(delimiter, '.', false, false), 0, linesBefore, markers);
  }

  private String copied(String text, CsvDialect dialect, int skipRows, int headerLines, List<String> markers)
      throws IOException {
    ReadOptions options = ReadOptions.builder().csvSkipRows(skipRows).csvMissingValues(markers).build();
    try (OwnedTempFile copy = CsvCopy.copy(Files.writeString(dir.resolve("t.csv"), text), dialect, options,
        headerLines)) {
      return Files.readString(copy.path());
    }
  }

  @Test
  void emptiesMarkersAndBlankCellsAndKeepsEverythingElse() throws IOException {
    assertThat(copied("a;?;b\n ? ;  ;\"?\"\n", ';', 0, List.of("?"))).isEqualTo("a;;b\n;;\n");
    // Escaped quotes stay in their cell: "x ""?""" is text, and so is a quote inside a cell.
    assertThat(copied("\"x \"\"?\"\"\",?\nab\"?,\"?\" \n", ',', 0, List.of("?")))
        .isEqualTo("\"x \"\"?\"\"\",\nab\"?,\n");
    // A delimiter and a line break inside quotes are the cell's.
    assertThat(copied("\"?,\n?\",?\n", ',', 0, List.of("?"))).isEqualTo("\"?,\n?\",\n");
    // A marker is the whole cell: "?x" and "n/a" (when only "n/k" is one) stay.
    assertThat(copied("?x,n/a,n/k\r\n", ',', 0, List.of("?", "n/k"))).isEqualTo("?x,n/a,\r\n");
  }

  @Test
  void skippedLinesAreLeftOutAndAHeadersCellsAreNamesNotMarkers() throws IOException {
    CsvDialect commas = new CsvDialect(',', '.', true, false);
    assertThat(copied("# ?, x\n|1x3\n?,b\n?,1\n", commas, 2, 1, List.of("?"))).isEqualTo("?,b\n,1\n");
  }

  @Test
  void withASpaceAfterEachDelimiterTheSpacesThatStartACellAreDropped() throws IOException {
    CsvDialect spaced = new CsvDialect(',', '.', true, true);
    // UCI's layout: the header's names and the cells lose their first spaces, a quoted cell after
    // ", " becomes one cell (Arrow counts a quote only as a cell's first byte), a blank cell is
    // empty, and spaces inside or after a cell stay.
    assertThat(copied("# a, b\nage, work class\n39, State gov , \"a, b\"\n ?,  , x\n", spaced, 1, 1,
        List.of("?"))).isEqualTo("age,work class\n39,State gov ,\"a, b\"\n,,x\n");
  }

  @Test
  void cellsAcrossTheReadBuffersBoundaryAreWhole() throws IOException {
    StringBuilder text = new StringBuilder();
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 30_000; i++) {
      text.append(i).append(",?,\"a\"\"b\",").append(i % 7 == 0 ? "  ?" : "x").append('\n');
      expected.append(i).append(",,\"a\"\"b\",").append(i % 7 == 0 ? "" : "x").append('\n');
    }
    assertThat(text.length()).isGreaterThan(4 * 65_536);
    assertThat(copied(text.toString(), ',', 0, List.of("?"))).isEqualTo(expected.toString());
  }
}
