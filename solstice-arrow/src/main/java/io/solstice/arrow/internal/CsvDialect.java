package io.solstice.arrow.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How a delimited text file separates its fields, read from its first line (the header, or a
 * row of data): commas, else tabs, else semicolons, which spreadsheets write where the comma is
 * the decimal separator. A comma between two digits is not taken for a separator when the line
 * has tabs or semicolons ({@code 1,5;2,25}). In a tab- or semicolon-separated file whose values
 * are written with a decimal comma ({@code 2,5}), numbers are read with that decimal comma.
 *
 * @param delimiter the field separator
 * @param decimalPoint the decimal separator of numbers
 */
public record CsvDialect(char delimiter, char decimalPoint) {

  /** Commas between fields, points in numbers. */
  public static final CsvDialect COMMAS = new CsvDialect(',', '.');

  /** Bytes read to tell a file's dialect: the header and the first rows. */
  private static final int HEAD = 64 * 1024;

  // A comma that is not between two digits: a field separator, whatever else the line holds.
  private static final Pattern LOOSE_COMMA = Pattern.compile("(?<!\\d),|,(?!\\d)");

  // A number with a decimal comma and nothing else, such as 2,5 or -0,125 or 1,5E3.
  private static final Pattern DECIMAL_COMMA = Pattern.compile("[-+]?\\d*,\\d+([eE][-+]?\\d+)?");

  /**
   * The dialect of a text from its first line, and its decimal point from its rows.
   *
   * @param text the start of the file, from its header line (or first row) on
   * @return the dialect, or null when the first line holds no comma, tab or semicolon
   */
  public static CsvDialect of(String text) {
    List<String> lines = text.lines().limit(100).toList();
    String first = lines.isEmpty() ? "" : lines.get(0);
    // A comma between two digits may be a decimal comma, in a row of data without a header.
    char delimiter = LOOSE_COMMA.matcher(first).find() ? ',' : first.indexOf('\t') >= 0 ? '\t'
        : first.indexOf(';') >= 0 ? ';' : first.indexOf(',') >= 0 ? ',' : 0;
    if (delimiter == 0) {
      return null;
    }
    // The last line of the head may be cut short; the others are whole.
    String separator = Pattern.quote(Character.toString(delimiter));
    boolean decimalComma = delimiter != ',' && lines.stream().limit(Math.max(1, lines.size() - 1))
        .flatMap(line -> List.of(line.split(separator, -1)).stream())
        .anyMatch(field -> DECIMAL_COMMA.matcher(field.strip().replace("\"", "")).matches());
    return new CsvDialect(delimiter, decimalComma ? ',' : '.');
  }

  /**
   * The dialect of a file, from the line after {@code skipRows} lines on.
   *
   * @param file the file
   * @param skipRows lines before the header
   * @return the dialect; {@link #COMMAS} when the header holds no delimiter (Arrow's reader then
   *     reads one column)
   * @throws IOException when the file cannot be read
   */
  public static CsvDialect of(Path file, int skipRows) throws IOException {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(HEAD);
    }
    String text = new String(head, StandardCharsets.UTF_8);
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    List<String> lines = text.lines().skip(skipRows).toList();
    CsvDialect dialect = of(String.join("\n", lines));
    return dialect == null ? COMMAS : dialect;
  }
}
