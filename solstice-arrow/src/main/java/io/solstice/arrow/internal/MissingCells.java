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
 * A copy of a delimited text file in which every cell that holds one of the given missing-value
 * markers (such as UCI's {@code ?}) is empty, which Arrow's CSV reader takes for a missing value.
 * Why a copy: that reader has its own list of such markers (an empty cell, {@code NA}, {@code
 * NULL}, {@code NaN}, ...), and the dataset options that reach it from Java replace the whole list
 * with a single value, so that an empty cell would no longer be missing.
 *
 * <p>A cell is a marker when it is one, spaces and tabs around it aside, or when it is one in
 * quotes; a cell of spaces alone is emptied too, as a file with {@code ", "} between its fields
 * writes an empty one. The lines before the data (skipped rows, the header) are copied as they
 * are. Everything else is copied byte for byte: the delimiter, quoted cells (a delimiter or line
 * break inside quotes is part of the cell), line endings. Quotes are read as Arrow's reader reads
 * them: a cell is quoted when its first byte is a quote, two quotes inside are one, and a quote
 * elsewhere is text. A gzip-compressed file is read through gzip, and its copy is plain text.
 */
final class MissingCells {
  private static final int BUFFER = 1 << 16;
  private static final byte QUOTE = '"';

  private final byte delimiter;
  private final List<byte[]> markers;
  private final OutputStream out;
  // The cell being read: its bytes as written, whether its quotes are open, and whether the last
  // byte closed them (a quote right after that is an escaped one, and reopens them).
  private byte[] cell = new byte[256];
  private int cellLength;
  private boolean inQuotes;
  private boolean quotesJustClosed;

  private MissingCells(char delimiter, List<String> markers, OutputStream out) {
    this.delimiter = (byte) delimiter;
    this.markers = markers.stream().map(m -> m.getBytes(StandardCharsets.UTF_8)).toList();
    this.out = out;
  }

  /**
   * Writes the copy to a new temporary file, which the caller deletes.
   *
   * @param source the file (gzip-compressed when named {@code *.gz})
   * @param delimiter its field separator, one ASCII character
   * @param linesBefore lines before the data: copied as they are
   * @param markers the values that mean a missing cell; none holds the delimiter, a quote or a
   *     line break
   * @return the copy, a {@code .csv} file
   * @throws IOException when the file cannot be read or the copy written
   */
  static Path copy(Path source, char delimiter, int linesBefore, List<String> markers) throws IOException {
    Path copy = Files.createTempFile("solstice-missing-", ".csv");
    try (InputStream in = FileHead.open(source);
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(copy), BUFFER)) {
      new MissingCells(delimiter, markers, out).copy(in, linesBefore);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(copy);
      throw e;
    }
    return copy;
  }

  private void copy(InputStream in, int linesBefore) throws IOException {
    byte[] buffer = new byte[BUFFER];
    int lines = 0;
    int n;
    while ((n = in.read(buffer)) > 0) {
      int i = 0;
      while (lines < linesBefore && i < n) {
        if (buffer[i++] == '\n') {
          lines++;
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
    if (!isMarker()) {
      out.write(cell, 0, cellLength);
    }
    cellLength = 0;
    inQuotes = false;
    quotesJustClosed = false;
  }

  private boolean isMarker() {
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
    }
    if (from == to && cellLength > 0 && cell[0] != QUOTE) {
      return true; // blanks only
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
