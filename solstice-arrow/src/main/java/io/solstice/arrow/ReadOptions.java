package io.solstice.arrow;

/**
 * How a source reads: the rows per emitted batch, where to start, and how large one IPC message
 * may be. Sources use what applies to their format and ignore the rest. Immutable; build with
 * {@link #builder()}.
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

  private ReadOptions(Builder b) {
    this.batchSize = b.batchSize;
    this.startAt = b.startAt;
    this.maxMessageBytes = b.maxMessageBytes;
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

  /** Builds {@link ReadOptions}. */
  public static final class Builder {
    private int batchSize;
    private BatchPosition startAt;
    private long maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;

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
     * Builds the options.
     *
     * @return the options
     */
    public ReadOptions build() {
      return new ReadOptions(this);
    }
  }
}
