package io.solstice.core.io;

import java.util.List;

/**
 * One line of a CSV file as Solstice writes them (RFC 4180): cells separated by commas, a cell
 * that holds a comma, a quote or a line break quoted with its quotes doubled, and a line break at
 * the end.
 */
public final class CsvLine {
  private CsvLine() {}

  /**
   * The line of these cells.
   *
   * @param cells the cells, in order
   * @return the line, ending with {@code \n}
   */
  public static String of(List<String> cells) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String cell = cells.get(i);
      if (cell.indexOf(',') >= 0 || cell.indexOf('"') >= 0 || cell.indexOf('\n') >= 0
          || cell.indexOf('\r') >= 0) {
        cell = '"' + cell.replace("\"", "\"\"") + '"';
      }
      line.append(i == 0 ? "" : ",").append(cell);
    }
    return line.append('\n').toString();
  }
}
