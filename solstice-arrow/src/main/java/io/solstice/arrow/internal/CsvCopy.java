package io.solstice.arrow.internal;

import io.solstice.arrow.ReadOptions;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
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
 *       cells, a quote counting only as a cell's first byte;
 *   <li>a file in another encoding than UTF-8, the only one the reader reads, is copied in UTF-8
 *       (a byte that means no character in its encoding becomes U+FFFD);
 *   <li>the rows skipped before the header are left out: the reader would count their fields too,
 *       and refuse a first line such as UCI's {@code |1x3 Cross validator} before a table of 15
 *       columns.
 * </ul>
 *
 * <p>A cell is a marker when it is one, spaces and tabs around it aside, or when it is one in
 * quotes; a cell of spaces alone is emptied too, as a file with {@code ", "} between its fields
 * writes an empty one. Everything else is copied byte for byte: the delimiter, quoted cells (a delimiter or line break inside
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
   * Whether a file of this dialect, read with these options, is read through a copy.
   *
   * @param dialect the file's dialect
   * @param options its missing-value markers and encoding
   * @return true when there are rows to skip, markers, spaces after the delimiters or an encoding
   *     other than UTF-8
   */
  static boolean needed(CsvDialect dialect, ReadOptions options) {
    return options.csvSkipRows() > 0 || dialect.spaceAfterDelimiter() || !options.csvMissingValues().isEmpty()
        || !options.csvEncoding().equals(StandardCharsets.UTF_8);
  }

  /**
   * Writes the copy to a new temporary file, which the caller closes.
   *
   * @param source the file (gzip-compressed when named {@code *.gz})
   * @param dialect its dialect: its delimiter, one ASCII character, and whether a space follows it
   * @param options its skipped rows (lines before the header, or the data: left out),
   *     missing-value markers (none holds the delimiter, a quote or a line break) and encoding
   * @param headerLines 1 when a header follows the skipped rows, else 0: its cells are not emptied
   * @return the copy, a {@code .csv} file in UTF-8, from the header (or the data) on, in the
   *     JVM's temporary directory; closing it deletes it, and if this process is killed first,
   *     the next copy made there deletes it
   * @throws IOException when the file cannot be read or the copy written
   */
  static OwnedTempFile copy(Path source, CsvDialect dialect, ReadOptions options, int headerLines)
      throws IOException {
    OwnedTempFile copy = OwnedTempFile.create(Path.of(System.getProperty("java.io.tmpdir")), "solstice-csv-", ".csv");
    Charset encoding = options.csvEncoding();
    try (InputStream raw = FileHead.open(source);
        InputStream in = encoding.equals(StandardCharsets.UTF_8) ? raw : new Utf8Bytes(raw, encoding);
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(copy.path()), BUFFER)) {
      new CsvCopy(dialect, headerLines, options.csvMissingValues(), out).copy(in, options.csvSkipRows());
    } catch (IOException | RuntimeException e) {
      copy.close();
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

  /** Text in another encoding, read as its UTF-8 bytes. */
  private static final class Utf8Bytes extends InputStream {
    private final Reader reader;
    private final CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
        .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    // Both in read mode: the decoded characters not yet encoded (at most a surrogate cut in two
    // between reads), and the bytes not yet handed out.
    private final CharBuffer chars = CharBuffer.allocate(BUFFER / 4).flip();
    private final ByteBuffer bytes = ByteBuffer.allocate(BUFFER).flip();
    private boolean endOfText;

    Utf8Bytes(InputStream in, Charset encoding) {
      reader = new InputStreamReader(in, encoding.newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE));
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (!bytes.hasRemaining()) {
        if (endOfText && !chars.hasRemaining()) {
          return -1;
        }
        if (!endOfText) {
          chars.compact();
          endOfText = reader.read(chars) < 0;
          chars.flip();
        }
        bytes.clear();
        encoder.encode(chars, bytes, endOfText);
        if (endOfText && !chars.hasRemaining()) {
          encoder.flush(bytes);
        }
        bytes.flip();
      }
      int n = Math.min(len, bytes.remaining());
      bytes.get(b, off, n);
      return n;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public void close() throws IOException {
      reader.close();
    }
  }
}
