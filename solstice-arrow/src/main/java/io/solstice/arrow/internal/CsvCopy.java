package io.solstice.arrow.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A copy of a delimited text file that Arrow's CSV reader reads as the file means, where the
 * reader alone would not:
 *
 * <ul>
 *   <li>every cell of the data that holds one of the given missing-value markers (such as UCI's
 *       {@code ?}) is empty, which the reader takes for a missing value. The reader has its own
 *       list of markers (an empty cell, {@code NA}, {@code NULL}, {@code NaN}, ...), and the
 *       dataset options that reach it from Java replace the whole list with a single value, so
 *       that an empty cell would no longer be missing;
 *   <li>in a file with a space after each delimiter ({@link CsvDialect#spaceAfterDelimiter()}),
 *       the spaces that start a cell are dropped, header included: the reader would keep them in
 *       text ({@code " State-gov"}, a column {@code " income"}) and read {@code , "a, b"} as two
 *       cells, a quote counting only as a cell's first byte.
 * </ul>
 *
 * <p>A cell is a marker when it is one, spaces and tabs around it aside, or when it is one in
 * quotes; a cell of spaces alone is emptied too, as a file with {@code ", "} between its fields
 * writes an empty one. The skipped lines before the header are copied as they are. Everything
 * else is copied byte for byte: the delimiter, quoted cells (a delimiter or line break inside
 * quotes is part of the cell), line endings. Quotes are read as Arrow's reader reads them: a
 * cell is quoted when its first byte is a quote, two quotes inside are one, and a quote elsewhere
 * is text. A gzip-compressed file is read through gzip, and its copy is plain text.
 */
final class CsvCopy {
  private static final int BUFFER = 1 << 16;
  private static final byte QUOTE = '"';

  private final byte delimiter;
  private final boolean dropLeadingBlanks;
  private final List<byte[]> markers;
  private final OutputStream out;
  // Lines of the header still to come: their cells are names, never emptied.
  private int headerLines;
  // The cell being read: its bytes as written, whether its quotes are open, and whether the last
  // byte closed them (a quote right after that is an escaped one, and reopens them).
  private byte[] cell = new byte[256];
  private int cellLength;
  private boolean inQuotes;
  private boolean quotesJustClosed;

  private CsvCopy(CsvDialect dialect, int headerLines, List<String> markers, OutputStream out) {
    this.delimiter = (byte) dialect.delimiter();
    this.dropLeadingBlanks = dialect.spaceAfterDelimiter();
    this.headerLines = headerLines;
    this.markers = markers.stream().map(m -> m.getBytes(StandardCharsets.UTF_8)).toList();
    this.out = out;
  }

  /**
   * Whether a file of this dialect, with these markers, is read through a copy.
   *
   * @param dialect the file's dialect
   * @param markers the missing-value markers
   * @return true when there are markers or spaces after the delimiters
   */
  static boolean needed(CsvDialect dialect, List<String> markers) {
    return dialect.spaceAfterDelimiter() || !markers.isEmpty();
  }

  /**
   * Writes the copy to a new temporary file, which the caller deletes.
   *
   * @param source the file (gzip-compressed when named {@code *.gz})
   * @param dialect its dialect: its delimiter, one ASCII character, and whether a space follows it
   * @param skipRows lines before the header (or the data): copied as they are
   * @param headerLines 1 when a header follows them, else 0: its cells are not emptied
   * @param markers the values that mean a missing cell; none holds the delimiter, a quote or a
   *     line break
   * @return the copy, a {@code .csv} file
   * @throws IOException when the file cannot be read or the copy written
   */
  static Path copy(Path source, CsvDialect dialect, int skipRows, int headerLines, List<String> markers)
      throws IOException {
    Path copy = Files.createTempFile("solstice-csv-", ".csv");
    try (InputStream in = FileHead.open(source);
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(copy), BUFFER)) {
      new CsvCopy(dialect, headerLines, markers, out).copy(in, skipRows);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(copy);
      throw e;
    }
    return copy;
  }

  private void copy(InputStream in, int skipRows) throws IOException {
    byte[] buffer = new byte[BUFFER];
    int skipped = 0;
    int n;
    while ((n = in.read(buffer)) > 0) {
      int i = 0;
      while (skipped < skipRows && i < n) {
        if (buffer[i++] == '\n') {
          skipped++;
        }
      }
      out.write(buffer, 0, i);
      for (; i < n; i++) {
        take(buffer[i]);
      }
    }
    endCell();
  }

  private void take(byte b) throws IOException {
    if (inQuotes) {
      inQuotes = b != QUOTE;
      quotesJustClosed = !inQuotes;
    } else if (b == QUOTE && (cellLength == 0 || quotesJustClosed)) {
      inQuotes = true;
      quotesJustClosed = false;
    } else if (b == delimiter || b == '\n' || b == '\r') {
      endCell();
      out.write(b);
      if (b == '\n' && headerLines > 0) {
        headerLines--;
      }
      return;
    } else if (cellLength == 0 && dropLeadingBlanks && isBlank(b)) {
      return;
    } else {
      quotesJustClosed = false;
    }
    if (cellLength == cell.length) {
      cell = Arrays.copyOf(cell, cell.length * 2);
    }
    cell[cellLength++] = b;
  }

  private void endCell() throws IOException {
    if (headerLines > 0 || !isMissing()) {
      out.write(cell, 0, cellLength);
    }
    cellLength = 0;
    inQuotes = false;
    quotesJustClosed = false;
  }

  private boolean isMissing() {
    int from = 0;
    int to = cellLength;
    while (to > from && isBlank(cell[to - 1])) {
      to--;
    }
    if (to >= 2 && cell[0] == QUOTE && cell[to - 1] == QUOTE) {
      from++;
      to--;
    } else {
      while (from < to && isBlank(cell[from])) {
        from++;
      }
      if (from == to) {
        return cellLength > 0; // blanks only
      }
    }
    for (byte[] marker : markers) {
      if (Arrays.equals(cell, from, to, marker, 0, marker.length)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isBlank(byte b) {
    return b == ' ' || b == '\t';
  }
}
