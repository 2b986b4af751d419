package io.solstice.arrow;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.vector.types.pojo.ArrowType;

/**
 * How a source reads: the rows per emitted batch, where to start, how large one IPC message
 * may be, and how to read a CSV file (header, rows to skip, column types, missing-value markers,
 * text encoding). Sources use what applies to their format and ignore the rest. Immutable; build
 * with {@link #builder()}.
 *
 * <p>Thread safety: immutable and thread-safe; one instance may serve any number of sources.
 */
public final class ReadOptions {

  /** The default cap on one IPC message read from an {@code InputStream}: 256 MiB. */
  public static final long DEFAULT_MAX_MESSAGE_BYTES = 256L << 20;

  private static final ReadOptions DEFAULTS = builder().build();

  private final int batchSize;
  private final BatchPosition startAt;
  private final long maxMessageBytes;
  private final boolean csvHeader;
  private final int csvSkipRows;
  private final Map<String, ArrowType> csvColumnTypes;
  private final List<String> csvMissingValues;
  private final Charset csvEncoding;

  private ReadOptions(Builder b) {
    this.batchSize = b.batchSize;
    this.startAt = b.startAt;
    this.maxMessageBytes = b.maxMessageBytes;
    this.csvHeader = b.csvHeader;
    this.csvSkipRows = b.csvSkipRows;
    this.csvColumnTypes = Collections.unmodifiableMap(new LinkedHashMap<>(b.csvColumnTypes));
    this.csvMissingValues = b.csvMissingValues;
    this.csvEncoding = b.csvEncoding;
  }

  /**
   * The defaults: batches as stored, from the start, 256 MiB message cap.
   *
   * @return the default options
   */
  public static ReadOptions defaults() {
    return DEFAULTS;
  }

  /**
   * A builder starting from the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Rows per emitted batch; 0 means as stored (or, for Parquet, the scanner's default).
   *
   * @return the batch size in rows, or 0
   */
  public int batchSize() {
    return batchSize;
  }

  /**
   * The first position to emit, or {@code null} to start at the beginning.
   *
   * @return the start position or null
   */
  public BatchPosition startAt() {
    return startAt;
  }

  /**
   * The largest IPC message (metadata or body) accepted from an input whose size is unknown;
   * for files the remaining file size is the limit.
   *
   * @return the cap in bytes
   */
  public long maxMessageBytes() {
    return maxMessageBytes;
  }

  /**
   * Whether a CSV file's first row (after {@link #csvSkipRows()}) names the columns; without a
   * header the columns are named {@code f0, f1, ...}. A first row of numbers only (but for
   * positions {@code 0, 1, 2, ...}, pandas' names of numbered columns) is read as data either
   * way.
   *
   * @return true (the default) when the file may have a header
   */
  public boolean csvHeader() {
    return csvHeader;
  }

  /**
   * The rows of a CSV file skipped before the header (or, without one, before the data).
   *
   * @return the count, 0 by default
   */
  public int csvSkipRows() {
    return csvSkipRows;
  }

  /**
   * The types of CSV columns named here, instead of the types Arrow infers from the values
   * (integers as Int64, other numbers as Float64, anything else as Utf8).
   *
   * @return column name to type, in the order given; empty by default
   */
  public Map<String, ArrowType> csvColumnTypes() {
    return csvColumnTypes;
  }

  /**
   * The values that mean a missing value in a CSV file besides the reader's own (an empty cell,
   * {@code NA}, {@code NULL}, {@code NaN} and the like): a cell that is one of them, spaces
   * around it aside, is read as an empty one, and so is a cell of spaces alone. Such a file is
   * read through a temporary copy with those cells emptied, deleted when the file has been read.
   *
   * @return the values, in the order given; empty by default
   */
  public List<String> csvMissingValues() {
    return csvMissingValues;
  }

  /**
   * The text encoding of a CSV file. One other than UTF-8 (Arrow's reader reads UTF-8 only) is
   * read through a temporary copy in UTF-8, deleted when the file has been read.
   *
   * @return the encoding; UTF-8 by default
   */
  public Charset csvEncoding() {
    return csvEncoding;
  }

  /**
   * Whether a value can be one of {@link #csvMissingValues()}: a whole cell of a CSV file, not
   * blank.
   *
   * @param value the value
   * @return false when it is blank or holds a quote, a line break or a field separator (comma,
   *     semicolon, tab)
   */
  public static boolean canMarkMissing(String value) {
    return !value.isBlank() && value.chars().noneMatch(c -> "\",;\t\r\n".indexOf(c) >= 0);
  }

  /** Builds {@link ReadOptions}. */
  public static final class Builder {
    private int batchSize;
    private BatchPosition startAt;
    private long maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private boolean csvHeader = true;
    private int csvSkipRows;
    private final Map<String, ArrowType> csvColumnTypes = new LinkedHashMap<>();
    private List<String> csvMissingValues = List.of();
    private Charset csvEncoding = StandardCharsets.UTF_8;

    private Builder() {}

    /**
     * Re-batches to this many rows per batch (the last batch of a fragment may be shorter).
     * For IPC and in-memory sources the slices share the stored buffers (no copy); for Parquet
     * it is the scanner's batch size.
     *
     * @param rows rows per batch, or 0 for as stored
     * @return this builder
     */
    public Builder batchSize(int rows) {
      if (rows < 0) {
        throw new IllegalArgumentException("batchSize must be >= 0 (0 = as stored), got " + rows);
      }
      this.batchSize = rows;
      return this;
    }

    /**
     * Starts at this position (typically {@code checkpointedPosition.next()}).
     *
     * @param position the first position to emit, or null for the beginning
     * @return this builder
     */
    public Builder startAt(BatchPosition position) {
      this.startAt = position;
      return this;
    }

    /**
     * Caps one IPC message read from a stream of unknown size.
     *
     * @param bytes the cap, at least 1
     * @return this builder
     */
    public Builder maxMessageBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxMessageBytes must be >= 1, got " + bytes);
      }
      this.maxMessageBytes = bytes;
      return this;
    }

    /**
     * Whether a CSV file has a header row (default true; a first row of numbers only is data
     * either way).
     *
     * @param present false to read the first row as data and name the columns f0, f1, ...
     * @return this builder
     */
    public Builder csvHeader(boolean present) {
      this.csvHeader = present;
      return this;
    }

    /**
     * Skips rows at the start of a CSV file, before the header.
     *
     * @param rows at least 0
     * @return this builder
     */
    public Builder csvSkipRows(int rows) {
      if (rows < 0) {
        throw new IllegalArgumentException("csvSkipRows must be >= 0, got " + rows);
      }
      this.csvSkipRows = rows;
      return this;
    }

    /**
     * Gives CSV columns a type instead of the inferred one, for example a class label of
     * integers read as strings, or float features as Float32.
     *
     * @param types column name to Arrow type (replacing earlier ones)
     * @return this builder
     */
    public Builder csvColumnTypes(Map<String, ArrowType> types) {
      csvColumnTypes.clear();
      types.forEach((name, type) -> csvColumnTypes.put(Objects.requireNonNull(name, "column name"),
          Objects.requireNonNull(type, "type of " + name)));
      return this;
    }

    /**
     * Reads these values of a CSV file as missing, as an empty cell is: UCI's {@code ?}, for
     * example, which would otherwise make a column of numbers a column of text.
     *
     * @param values the values (replacing earlier ones); none may be blank or hold a quote, a
     *     line break, or a character that separates fields (comma, semicolon, tab)
     * @return this builder
     */
    public Builder csvMissingValues(List<String> values) {
      for (String value : values) {
        if (!canMarkMissing(Objects.requireNonNull(value, "missing value"))) {
          throw new IllegalArgumentException("a missing-value marker must not be blank (an empty cell is missing "
              + "already) nor hold a quote, a line break or a field separator (comma, semicolon, tab), got '"
              + value + "'");
        }
      }
      this.csvMissingValues = List.copyOf(values);
      return this;
    }

    /**
     * Reads a CSV file in this text encoding, such as windows-1252 (Excel's CSV on Windows in
     * western Europe and the Americas) or UTF-16 (Excel's "Unicode Text").
     *
     * @param encoding the encoding
     * @return this builder
     */
    public Builder csvEncoding(Charset encoding) {
      this.csvEncoding = Objects.requireNonNull(encoding, "encoding");
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     */
    public ReadOptions build() {
      return new ReadOptions(this);
    }
  }
}
