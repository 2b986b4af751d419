package io.solstice.arrow;

import io.solstice.arrow.internal.CsvDialect;
import io.solstice.arrow.internal.DatasetCursor;
import io.solstice.arrow.internal.FileHead;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import reactor.core.publisher.Flux;

/**
 * The formats a table file can come in, told apart by their content (a name says only whether a
 * file is compressed): Arrow IPC files and Parquet by their magic bytes, Arrow IPC streams by their first message
 * header, CSV and newline-delimited JSON as text. CSV and JSON lines may also be gzip-compressed
 * in a file named {@code *.gz} ({@code data.csv.gz}), which Arrow's readers decompress by that
 * name: such a file is told apart by the text inside. A file in none of them is refused with a
 * message that names the formats and says what the file looks like.
 *
 * <pre>{@code
 * Flux<ArrowBatch> batches = TableFormat.detect(path).read(path, allocator, options);
 * }</pre>
 *
 * <p>Thread safety: an enum, immutable; detection reads the file afresh each time.
 */
public enum TableFormat {
  /** Arrow IPC file (random access), which starts with {@code ARROW1}. */
  IPC_FILE("Arrow IPC file"),
  /** Arrow IPC stream, which starts with a message (a continuation marker and a length). */
  IPC_STREAM("Arrow IPC stream"),
  /** Parquet, which starts with {@code PAR1}; or a directory of {@code *.parquet} files. */
  PARQUET("Parquet"),
  /**
   * Delimited text (commas, tabs, or semicolons with decimal commas, told apart by the first
   * line: {@link CsvDialect}); or a directory of {@code *.csv} and {@code *.csv.gz} files.
   */
  CSV("CSV"),
  /**
   * Newline-delimited JSON, one object per line; or a directory of {@code *.jsonl} and {@code
   * *.jsonl.gz} files.
   */
  JSON_LINES("JSON lines");

  /** How many bytes detection reads. */
  private static final int HEAD = 4096;
  private static final byte[] ARROW_MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PARQUET_MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
  private static final String SUPPORTED =
      "Arrow IPC file, Arrow IPC stream, Parquet, CSV or JSON lines (newline-delimited JSON)";

  private final String label;

  TableFormat(String label) {
    this.label = label;
  }

  /**
   * The format's name for people, for example "Arrow IPC file".
   *
   * @return the name
   */
  public String label() {
    return label;
  }

  /**
   * The format's name with how a file of it is read, where that is not plain: compressed, a CSV
   * file's tabs or semicolons, decimal commas, spaces after delimiters, no header, markers read as
   * missing, or an encoding other than UTF-8. For example "CSV, semicolons, decimal commas" or
   * "CSV, no header, '?' as missing, gzip-compressed"; a directory's files may each differ, so it
   * is the name alone.
   *
   * @param path the file or directory
   * @param options how it is read (a CSV file's skipped rows and header)
   * @return the description
   */
  public String describe(Path path, ReadOptions options) {
    if (Files.isDirectory(path) || this != CSV && this != JSON_LINES) {
      return label;
    }
    List<String> how = new ArrayList<>();
    if (this == CSV) {
      CsvDialect dialect;
      try {
        dialect = CsvDialect.of(path, options);
      } catch (IOException e) {
        return label; // the read that follows says what is wrong with the file
      }
      if (dialect.delimiter() != ',') {
        how.add(dialect.delimiter() == '\t' ? "tabs" : "semicolons");
      }
      if (dialect.decimalPoint() == ',') {
        how.add("decimal commas");
      }
      if (dialect.spaceAfterDelimiter()) {
        how.add("a space after each " + (dialect.delimiter() == ',' ? "comma" : dialect.delimiter() == ';'
            ? "semicolon" : "tab"));
      }
      if (!options.csvHeader() || !dialect.header()) {
        how.add("no header");
      }
      if (!options.csvMissingValues().isEmpty()) {
        how.add(options.csvMissingValues().stream().map(v -> "'" + v + "'").collect(Collectors.joining(", "))
            + " as missing");
      }
      if (!options.csvEncoding().equals(StandardCharsets.UTF_8)) {
        how.add(options.csvEncoding().name());
      }
    }
    if (FileHead.namedGzip(path)) {
      how.add("gzip-compressed");
    }
    return how.isEmpty() ? label : label + ", " + String.join(", ", how);
  }

  /**
   * Detects the format of a file from its content, or of a directory from the files it holds.
   *
   * @param path the file or directory
   * @return the format
   * @throws ArrowDataException naming the path when it does not exist, cannot be read, or is
   *     in no supported format (saying what it looks like); a {@link TextEncodingException} when
   *     it is text in another encoding than UTF-8
   */
  public static TableFormat detect(Path path) {
    return detect(path, ReadOptions.defaults());
  }

  /**
   * Detects the format of a file from its content as the options will read it: text in their
   * CSV encoding, from the line after their CSV rows to skip on.
   *
   * @param path the file or directory
   * @param options how it will be read
   * @return the format
   * @throws ArrowDataException as {@link #detect(Path)}
   */
  public static TableFormat detect(Path path, ReadOptions options) {
    Charset textEncoding = options.csvEncoding();
    if (Files.isDirectory(path)) {
      return detectDirectory(path);
    }
    if (!Files.isRegularFile(path)) {
      throw new ArrowDataException(null, "no such file: " + path, null);
    }
    byte[] head;
    long size;
    try {
      head = FileHead.read(path, HEAD);
      size = Files.size(path);
    } catch (IOException e) {
      throw new ArrowDataException(null, "cannot read " + path + ": " + e.getMessage(), e);
    }
    if (head.length == 0) {
      throw unsupported(path, "an empty file");
    }
    if (FileHead.isGzip(head)) {
      throw unsupported(path, "gzip-compressed data (Solstice reads a compressed CSV or JSON-lines file named *.gz, "
          + "for example data.csv.gz; decompress any other)");
    }
    if (FileHead.namedGzip(path)) {
      // Arrow's readers decompress CSV and JSON lines, not IPC or Parquet.
      String text = asText(head, textEncoding);
      if (text == null) {
        refuseOtherEncoding(path, head, textEncoding);
        throw unsupported(path, "gzip-compressed " + (startsWith(head, ARROW_MAGIC) ? "Arrow IPC"
            : startsWith(head, PARQUET_MAGIC) ? "Parquet" : describeBinary(head)) + ", and only CSV and JSON lines are "
            + "read compressed: decompress it first");
      }
      return textFormat(path, text, options.csvSkipRows());
    }
    if (startsWith(head, ARROW_MAGIC)) {
      return IPC_FILE;
    }
    if (startsWith(head, PARQUET_MAGIC)) {
      return PARQUET;
    }
    String text = asText(head, textEncoding);
    if (text != null) {
      return textFormat(path, text, options.csvSkipRows());
    }
    if (isIpcStreamStart(head, size)) {
      return IPC_STREAM;
    }
    refuseOtherEncoding(path, head, textEncoding);
    throw unsupported(path, describeBinary(head));
  }

  /** Throws when the bytes are text in another encoding than the one tried, saying which. */
  private static void refuseOtherEncoding(Path path, byte[] head, Charset tried) {
    Charset likely = likelyEncoding(head);
    if (likely != null && !likely.equals(tried)) {
      throw new TextEncodingException(path, likely, tried);
    }
  }

  /**
   * The encoding that bytes which are no text in the encoding tried are probably in: UTF-16 when
   * they start with its byte order mark, Windows-1252 when they read as single-byte text; else
   * null.
   */
  private static Charset likelyEncoding(byte[] head) {
    if (startsWith(head, new byte[] {(byte) 0xFF, (byte) 0xFE})
        || startsWith(head, new byte[] {(byte) 0xFE, (byte) 0xFF})) {
      return StandardCharsets.UTF_16;
    }
    return isSingleByteText(head) ? Charset.forName("windows-1252") : null;
  }

  /**
   * Reads a table in this format.
   *
   * @param path the file (or directory, for Parquet, CSV and JSON lines)
   * @param allocator the consumer's allocator
   * @param options batch size, start position and, for CSV, how to read it
   * @return the batches
   */
  public Flux<ArrowBatch> read(Path path, BufferAllocator allocator, ReadOptions options) {
    return switch (this) {
      case IPC_FILE -> ArrowSources.ipcFile(path, allocator, options);
      case IPC_STREAM -> ArrowSources.ipcStream(path, allocator, options);
      case PARQUET -> ArrowSources.parquet(path, allocator, options);
      case CSV -> ArrowSources.csv(path, allocator, options);
      case JSON_LINES -> ArrowSources.jsonLines(path, allocator, options);
    };
  }

  private static TableFormat detectDirectory(Path directory) {
    List<String> names;
    try (Stream<Path> listing = Files.list(directory)) {
      names = listing.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".") && !n.startsWith("_"))
          .toList();
    } catch (IOException e) {
      throw new ArrowDataException(null, "cannot list " + directory + ": " + e.getMessage(), e);
    }
    for (TableFormat format : List.of(PARQUET, CSV, JSON_LINES)) {
      DatasetCursor.Format files = DatasetCursor.Format.valueOf(format.name());
      if (names.stream().anyMatch(files::named)) {
        return format;
      }
    }
    throw new ArrowDataException(null, directory + ": a directory is read as its *.parquet, *.csv or *.jsonl files "
        + "(the last two may be gzip-compressed, *.csv.gz and *.jsonl.gz), and it holds none", null);
  }

  private static TableFormat textFormat(Path path, String text, int skipRows) {
    String trimmed = text.lines().skip(skipRows).collect(Collectors.joining("\n")).strip();
    if (trimmed.startsWith("{")) {
      return JSON_LINES;
    }
    if (trimmed.startsWith("[")) {
      throw unsupported(path, "a JSON array (JSON lines needs one object per line, without the enclosing [ ])");
    }
    // Commas, tabs or semicolons: read as CSV in that dialect (CsvDialect).
    if (CsvDialect.of(trimmed) != null) {
      return CSV;
    }
    String firstLine = trimmed.lines().findFirst().orElse("");
    String shown = firstLine.length() > 40 ? firstLine.substring(0, 40) + "..." : firstLine;
    throw unsupported(path, "text without commas, tabs or semicolons, starting \"" + shown + "\"");
  }

  /** The head as text in an encoding, or null when it holds bytes no text file has. */
  private static String asText(byte[] head, Charset encoding) {
    CharsetDecoder decoder = encoding.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    // A multi-byte character may be cut at the end of the head: try up to three bytes shorter.
    for (int cut = 0; cut <= 3 && head.length - cut > 0; cut++) {
      try {
        String text = decoder.decode(ByteBuffer.wrap(head, 0, head.length - cut)).toString();
        if (text.startsWith("\uFEFF")) {
          text = text.substring(1); // a byte order mark, in any encoding
        }
        return text.chars().allMatch(c -> c >= 0x20 || c == '\t' || c == '\n' || c == '\r' || c == '\f') ? text : null;
      } catch (CharacterCodingException e) {
        decoder.reset();
      }
    }
    return null;
  }

  /**
   * An IPC stream starts with a message: the continuation marker 0xFFFFFFFF and a metadata
   * length, or (before Arrow 0.15) the length alone; either way a length that fits the file.
   */
  private static boolean isIpcStreamStart(byte[] head, long size) {
    if (head.length < 8) {
      return false;
    }
    ByteBuffer buffer = ByteBuffer.wrap(head).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    int first = buffer.getInt(0);
    int length = first == -1 ? buffer.getInt(4) : first;
    long headerBytes = first == -1 ? 8 : 4;
    return length > 0 && length <= size - headerBytes;
  }

  private static String describeBinary(byte[] head) {
    if (startsWith(head, new byte[] {'P', 'K', 3, 4})) {
      return "a ZIP archive (for example .zip, .xlsx or .npz)";
    }
    if (startsWith(head, new byte[] {(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0})) {
      return "an old Microsoft Office file (for example .xls)";
    }
    if (startsWith(head, "ORC".getBytes(StandardCharsets.US_ASCII))) {
      return "an ORC file";
    }
    if (startsWith(head, new byte[] {'O', 'b', 'j', 1})) {
      return "an Avro file";
    }
    if (startsWith(head, new byte[] {(byte) 0x89, 'H', 'D', 'F'})) {
      return "an HDF5 file";
    }
    if (startsWith(head, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'})) {
      return "a NumPy .npy file";
    }
    StringBuilder bytes = new StringBuilder();
    for (int i = 0; i < Math.min(8, head.length); i++) {
      bytes.append(String.format(Locale.ROOT, "%s%02x", i == 0 ? "" : " ", head[i] & 0xff));
    }
    return "binary data starting with bytes " + bytes;
  }

  /**
   * Whether bytes that are not UTF-8 read as text in a single-byte encoding: printable ASCII and
   * line breaks, with some bytes above 127 (accented letters in Windows-1252 or Latin-1) but no
   * control characters.
   */
  private static boolean isSingleByteText(byte[] head) {
    boolean lines = false;
    for (byte b : head) {
      int c = b & 0xff;
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f) {
        return false;
      }
      lines |= c == '\n';
    }
    return lines || head.length < HEAD;
  }

  private static ArrowDataException unsupported(Path path, String looksLike) {
    return new ArrowDataException(null, path + " is not in a format Solstice reads (" + SUPPORTED + "); it looks like "
        + looksLike, null);
  }

  private static boolean startsWith(byte[] head, byte[] prefix) {
    return head.length >= prefix.length && Arrays.equals(head, 0, prefix.length, prefix, 0, prefix.length);
  }
}
