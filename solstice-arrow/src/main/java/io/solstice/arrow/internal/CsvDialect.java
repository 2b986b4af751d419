package io.solstice.arrow.internal;

import io.solstice.arrow.ReadOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How a delimited text file separates its fields, read from its first line (the header, or a
 * row of data): commas, else tabs, else semicolons, which spreadsheets write where the comma is
 * the decimal separator. A comma between two digits is not taken for a separator when the line
 * has tabs or semicolons ({@code 1,5;2,25}). In a tab- or semicolon-separated file whose values
 * are written with a decimal comma ({@code 2,5}), numbers are read with that decimal comma. A
 * first line that holds only numbers, or the same number twice, is a row of data, not a header
 * (scikit-learn's {@code digits.csv.gz} has none): a header names its columns by numbers only
 * when they are positions ({@code ,0,1,2}, as pandas writes numbered columns), and never names two
 * columns alike. When a space follows every delimiter of the first line (and of the second),
 * as in UCI's {@code 39, State-gov, 77516}, the space belongs to the delimiter, not to the
 * cells (pandas' {@code skipinitialspace}).
 *
 * @param delimiter the field separator
 * @param decimalPoint the decimal separator of numbers
 * @param header whether the first line names the columns
 * @param spaceAfterDelimiter whether a space follows each delimiter, which is then no part of a
 *     cell
 */
public record CsvDialect(char delimiter, char decimalPoint, boolean header, boolean spaceAfterDelimiter) {

  /** Commas between fields, points in numbers, a header. */
  public static final CsvDialect COMMAS = new CsvDialect(',', '.', true, false);

  /** Bytes read to tell a file's dialect: the header and the first rows. */
  private static final int HEAD = 64 * 1024;

  // A comma that is not between two digits: a field separator, whatever else the line holds.
  private static final Pattern LOOSE_COMMA = Pattern.compile("(?<!\\d),|,(?!\\d)");

  // A number with a decimal comma and nothing else, such as 2,5 or -0,125 or 1,5E3.
  private static final Pattern DECIMAL_COMMA = Pattern.compile("[-+]?\\d*,\\d+([eE][-+]?\\d+)?");

  // A number with a decimal point or none, or a value Arrow reads as a non-finite number.
  private static final Pattern NUMBER =
      Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?|(?i)[-+]?(nan|inf|infinity)");

  /**
   * The dialect of a text from its first line, and its decimal point from its rows.
   *
   * @param text the start of the file, from its header line (or first row) on; a last line
   *     without a line break is taken to be cut short
   * @return the dialect, or null when the first line holds no comma, tab or semicolon
   */
  public static CsvDialect of(String text) {
    return of(text, List.of());
  }

  /**
   * The dialect of a text whose cells may hold missing-value markers, which count as empty cells
   * when the first line is told from a header.
   *
   * @param text the start of the file, as for {@link #of(String)}
   * @param missing the markers
   * @return the dialect, or null when the first line holds no comma, tab or semicolon
   */
  public static CsvDialect of(String text, List<String> missing) {
    List<String> lines = text.lines().limit(100).toList();
    String first = lines.isEmpty() ? "" : lines.get(0);
    // A comma between two digits may be a decimal comma, in a row of data without a header.
    char delimiter = LOOSE_COMMA.matcher(first).find() ? ',' : first.indexOf('\t') >= 0 ? '\t'
        : first.indexOf(';') >= 0 ? ';' : first.indexOf(',') >= 0 ? ',' : 0;
    if (delimiter == 0) {
      return null;
    }
    // A head may end in the middle of a line: a last line without its line break is not read.
    int whole = text.endsWith("\n") || text.endsWith("\r") ? lines.size() : Math.max(1, lines.size() - 1);
    String separator = Pattern.quote(Character.toString(delimiter));
    boolean decimalComma = delimiter != ',' && lines.stream().limit(whole)
        .flatMap(line -> List.of(line.split(separator, -1)).stream())
        .anyMatch(field -> DECIMAL_COMMA.matcher(field.strip().replace("\"", "")).matches());
    boolean spaced = lines.stream().limit(Math.min(2, whole)).allMatch(line -> spaceAfterEach(line, delimiter));
    return new CsvDialect(delimiter, decimalComma ? ',' : '.',
        !isData(first.split(separator, -1), decimalComma, missing), spaced);
  }

  /** Whether a line has a delimiter outside quotes, and a space or tab after each of them. */
  private static boolean spaceAfterEach(String line, char delimiter) {
    boolean quoted = false;
    int delimiters = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == delimiter && !quoted) {
        delimiters++;
        if (i + 1 == line.length() || line.charAt(i + 1) != ' ' && line.charAt(i + 1) != '\t') {
          return false;
        }
      }
    }
    return delimiters > 0;
  }

  /**
   * Whether a first line is a row of data: its fields are numbers (but for empty ones, missing
   * values), or one number comes twice. Positions are names, though: {@code ,0,1,2} is the
   * header pandas writes for a table whose columns are numbered.
   */
  private static boolean isData(String[] fields, boolean decimalComma, List<String> missing) {
    Set<String> numbers = new LinkedHashSet<>();
    boolean onlyNumbers = true;
    for (String field : fields) {
      String value = field.strip();
      if (value.isEmpty() || missing.contains(value)) {
        continue;
      }
      if (NUMBER.matcher(value).matches() || decimalComma && DECIMAL_COMMA.matcher(value).matches()) {
        if (!numbers.add(value)) {
          return true;
        }
      } else {
        onlyNumbers = false;
      }
    }
    return onlyNumbers && !numbers.isEmpty() && !arePositions(numbers);
  }

  /** Whether texts are 0, 1, 2, ... or 1, 2, 3, ... in order, two or more of them. */
  private static boolean arePositions(Set<String> numbers) {
    int expected = numbers.iterator().next().equals("0") ? 0 : 1;
    for (String number : numbers) {
      if (!number.equals(Integer.toString(expected++))) {
        return false;
      }
    }
    return numbers.size() >= 2;
  }

  /**
   * The dialect of a file, from the line after the options' skipped rows on (of its text inside,
   * for a gzip-compressed {@code *.gz} file, in the options' encoding).
   *
   * @param file the file
   * @param options its skipped rows, missing-value markers (which count as empty cells) and
   *     encoding
   * @return the dialect; {@link #COMMAS} when the header holds no delimiter (Arrow's reader then
   *     reads one column)
   * @throws IOException when the file cannot be read
   */
  public static CsvDialect of(Path file, ReadOptions options) throws IOException {
    byte[] head = FileHead.read(file, HEAD);
    String text = new String(head, options.csvEncoding());
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    List<String> lines = text.lines().skip(options.csvSkipRows()).toList();
    // A file read whole ends with a whole line.
    boolean wholeFile = head.length < HEAD;
    CsvDialect dialect = of(String.join("\n", lines) + (wholeFile || text.endsWith("\n") ? "\n" : ""),
        options.csvMissingValues());
    return dialect == null ? COMMAS : dialect;
  }
}
