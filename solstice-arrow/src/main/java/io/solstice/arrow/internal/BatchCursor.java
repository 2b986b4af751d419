package io.solstice.arrow.internal;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowDataException;
import io.solstice.arrow.ArrowReadException;
import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.CorruptIpcException;
import io.solstice.arrow.SchemaChangeException;
import io.solstice.arrow.SourceLease;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.TransferPair;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls stored batches from one reader and hands them out as owned {@link ArrowBatch}es: it
 * checks that the schema stays the same, validates buffer sizes, re-slices to the batch size,
 * counts positions, skips to the start position, and moves (or, for caller-owned roots, shares
 * by reference count) the buffers out of the reader's reused root into a root of the batch's
 * own under the source's allocator. Not thread-safe, but for {@link #abort()}:
 * {@code Flux.generate} calls it serially (the sources never let it be fused).
 */
public abstract class BatchCursor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BatchCursor.class);

  /** What a reader loaded: its (reused) root, the dictionaries, and the fragment index. */
  protected record Loaded(VectorSchemaRoot root, DictionaryProvider dictionaries, long fragment) {}

  private final String sourceName;
  private final SourceLease lease;
  private final BufferAllocator readerAllocator;
  private final int batchSize;
  private final BatchPosition startAt;

  private volatile boolean aborted;
  private boolean opened;
  private boolean closed;
  private Schema firstSchema;
  private Loaded current;
  // Per column of the current loaded batch: its copy with views read as plain types, for a
  // column that holds a view; null for the others (and when none holds one).
  private FieldVector[] plainColumns;
  private int rowOffset;
  private long fragment = -1;
  private long batchInFragment;

  /**
   * Creates a cursor.
   *
   * @param sourceName a name for positions and messages
   * @param lease the subscription's allocator lease (released on close)
   * @param batchSize rows per batch, 0 for as stored
   * @param startAt the first position to emit, or null
   */
  protected BatchCursor(String sourceName, SourceLease lease, int batchSize, BatchPosition startAt) {
    this.sourceName = sourceName;
    this.lease = lease;
    this.readerAllocator = lease.allocator().newChildAllocator("reader", 0, Long.MAX_VALUE);
    lease.closeLast(readerAllocator);
    this.batchSize = batchSize;
    this.startAt = startAt;
  }

  /**
   * Opens the reader (called once, on the first pull, so that failures reach the subscriber).
   *
   * @param readerAllocator the allocator for the reader's own buffers
   * @param startAt the start position, or null; a reader may seek close to it
   * @throws Exception if the input cannot be opened
   */
  protected abstract void open(BufferAllocator readerAllocator, BatchPosition startAt) throws Exception;

  /**
   * Loads the next stored batch.
   *
   * @return what was loaded, or null at the end
   * @throws Exception if reading fails
   */
  protected abstract Loaded loadNext() throws Exception;

  /**
   * Closes the reader's resources (the allocator is closed afterwards by this class).
   *
   * @throws Exception if closing fails
   */
  protected abstract void closeReader() throws Exception;

  /**
   * Whether buffers may be moved out of the loaded root (true for readers that reload their
   * root); false shares them by reference count, leaving a caller-owned root intact.
   *
   * @return true to move buffers
   */
  protected boolean movesBuffers() {
    return true;
  }

  /**
   * Stops a read that may be blocked on another thread, for a subscription cancelled while the
   * generator waits in {@link #next()}: Reactor postpones the cleanup until the generator
   * returns, so a reader that can wait indefinitely (a quiet network stream) must be woken. The
   * woken read fails, and the cursor is then closed as usual. Thread-safe; may be called at any
   * time, more than once, and before or after {@link #close()}.
   */
  public final void abort() {
    aborted = true;
    stopReading();
  }

  /**
   * Whether {@link #abort()} was called: a read that fails after it failed because of it.
   *
   * @return true once aborted
   */
  public final boolean aborted() {
    return aborted;
  }

  /**
   * Wakes a read blocked in {@link #loadNext()}, on behalf of {@link #abort()}, from any thread.
   * Does nothing by default, as files and memory do not block.
   */
  protected void stopReading() {}

  /**
   * Turns a reading failure into the exception the subscriber sees: an
   * {@link ArrowReadException} when the failure is not the bytes' fault (see
   * {@link #readFailure}), else a {@link CorruptIpcException}.
   *
   * @param failure what went wrong
   * @return the exception to signal
   */
  protected RuntimeException translate(Throwable failure) {
    ArrowReadException readFailure = readFailure(failure);
    if (readFailure != null) {
      return readFailure;
    }
    return new CorruptIpcException(null, sourceName + ": not valid Arrow IPC data (" + failure + ")", failure);
  }

  /**
   * The {@link ArrowReadException} for a failure that says nothing about the bytes: the input
   * itself failed ({@link #inputFailure()}), or the allocator refused memory.
   *
   * @param failure what went wrong
   * @return the exception to signal, or null when the failure may be the data's
   */
  protected final ArrowReadException readFailure(Throwable failure) {
    IOException input = inputFailure();
    if (input != null) {
      return new ArrowReadException(sourceName + ": reading the input failed (" + input + ")", input);
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof OutOfMemoryException) {
        return new ArrowReadException(sourceName + ": out of memory while reading (" + t.getMessage() + ")", failure);
      }
    }
    return null;
  }

  /**
   * The {@code IOException} the underlying input itself threw, as opposed to one a reader
   * raised about the bytes it read. None by default.
   *
   * @return the input's failure, or null
   */
  protected IOException inputFailure() {
    return null;
  }

  /**
   * Tells the cursor that the next stored batch loaded starts at this batch index of its
   * fragment (used by readers that seek past stored batches without loading them).
   *
   * @param fragmentIndex the fragment of the next load
   * @param batchIndex the emitted-batch index its first slice will get
   */
  protected final void positionNextLoad(long fragmentIndex, long batchIndex) {
    this.fragment = fragmentIndex;
    this.batchInFragment = batchIndex;
  }

  /**
   * The name of the source.
   *
   * @return the source name
   */
  protected final String sourceName() {
    return sourceName;
  }

  /**
   * The rows per emitted batch, 0 for as stored.
   *
   * @return the batch size
   */
  protected final int batchSize() {
    return batchSize;
  }

  /**
   * The next owned batch.
   *
   * @return the batch, or null when the source is exhausted
   */
  public final ArrowBatch next() {
    try {
      if (!opened) {
        opened = true;
        open(readerAllocator, startAt);
      }
      while (true) {
        if (current == null || rowOffset >= current.root().getRowCount()) {
          current = null;
          closePlainColumns();
          Loaded loaded = loadNext();
          if (loaded == null) {
            return null;
          }
          accept(loaded);
          current = loaded;
          rowOffset = 0;
          continue;
        }
        int rows = current.root().getRowCount();
        int from = rowOffset;
        int length = batchSize == 0 ? rows - from : Math.min(batchSize, rows - from);
        rowOffset += length;
        BatchPosition position = new BatchPosition(sourceName, fragment, batchInFragment++);
        if (startAt != null && !position.isAtOrAfter(startAt.fragment(), startAt.batch())) {
          continue;
        }
        return own(position, from, length, from == 0 && length == rows && movesBuffers());
      }
    } catch (ArrowDataException | ArrowReadException e) {
      throw e;
    } catch (Throwable t) {
      throw translate(t);
    }
  }

  /**
   * Opens the input, for {@link #open}: a failure to open it (a missing file, an opener that
   * throws) says nothing about the bytes, so it is an {@link ArrowReadException}, never corrupt
   * data.
   *
   * @param opener opens the input
   * @param <T> the input's type
   * @return the open input
   */
  protected final <T> T openInput(Callable<T> opener) {
    try {
      return opener.call();
    } catch (Exception e) {
      throw ArrowReadException.cannotOpen(sourceName, e);
    }
  }

  private void accept(Loaded loaded) {
    if (loaded.fragment() != fragment) {
      fragment = loaded.fragment();
      batchInFragment = 0;
    }
    Schema schema = loaded.root().getSchema();
    if (firstSchema == null) {
      ViewColumns.refuseUnreadable(schema.getFields(), sourceName);
      firstSchema = schema;
    } else if (!firstSchema.getFields().equals(schema.getFields())) {
      throw schemaChange(firstSchema, schema);
    }
    validate(loaded.root());
  }

  /**
   * Checks a loaded batch before any value is read: each column's value count, its buffers and
   * what Arrow Java's validation leaves alone ({@link ColumnValues}). A column that holds a view,
   * which Arrow Java cannot validate, is copied first with plain types, each view checked ({@link
   * ViewColumns#plainCopy}), and the copy checked in its place.
   */
  private void validate(VectorSchemaRoot root) {
    String where = sourceName + " fragment " + fragment;
    List<FieldVector> columns = root.getFieldVectors();
    List<FieldVector> checked = new ArrayList<>(columns);
    for (int i = 0; i < columns.size(); i++) {
      FieldVector v = columns.get(i);
      if (v.getValueCount() != root.getRowCount()) {
        throw new CorruptIpcException(v.getName(), where + ": column '" + v.getName() + "' holds "
            + v.getValueCount() + " values in a batch of " + root.getRowCount() + " rows");
      }
      if (ViewColumns.holdsView(v.getField())) {
        if (plainColumns == null) {
          plainColumns = new FieldVector[columns.size()];
        }
        plainColumns[i] = ViewColumns.plainCopy(v, lease.allocator(), where);
        checked.set(i, plainColumns[i]);
      }
    }
    ColumnValues.validate(checked, where);
  }

  private void closePlainColumns() {
    if (plainColumns != null) {
      for (FieldVector column : plainColumns) {
        if (column != null) {
          column.close();
        }
      }
      plainColumns = null;
    }
  }

  private SchemaChangeException schemaChange(Schema before, Schema after) {
    for (Field f : before.getFields()) {
      Field now = after.findField(f.getName());
      if (now == null) {
        return new SchemaChangeException(f.getName(),
            sourceName + " fragment " + fragment + ": column disappeared; expected every batch to have "
                + before);
      }
      if (!now.equals(f)) {
        return new SchemaChangeException(f.getName(),
            sourceName + " fragment " + fragment + ": changed from " + f + " to " + now);
      }
    }
    return new SchemaChangeException(null,
        sourceName + " fragment " + fragment + ": schema changed from " + before + " to " + after);
  }

  private ArrowBatch own(BatchPosition position, int from, int length, boolean move) {
    BufferAllocator target = lease.allocator();
    List<FieldVector> vectors = new ArrayList<>();
    Map<Long, Dictionary> dictionaries = new HashMap<>();
    lease.acquire();
    try {
      List<FieldVector> columns = current.root().getFieldVectors();
      for (int i = 0; i < columns.size(); i++) {
        // A column that holds a view is emitted as its plain copy, whose buffers the batches
        // share until the next load.
        FieldVector plain = plainColumns == null ? null : plainColumns[i];
        TransferPair pair = (plain != null ? plain : columns.get(i)).getTransferPair(target);
        // Listed before the transfer, which may fail part-way (a corrupt offset) having
        // allocated in it already.
        vectors.add((FieldVector) pair.getTo());
        if (move && plain == null) {
          pair.transfer();
        } else {
          pair.splitAndTransfer(from, length);
        }
      }
      dictionaries.putAll(SharedBuffers.shareDictionaries(current.dictionaries(), target));
      List<Field> fields = new ArrayList<>();
      for (FieldVector v : vectors) {
        fields.add(v.getField());
      }
      VectorSchemaRoot root;
      try (VectorSchemaRoot moved = new VectorSchemaRoot(fields, vectors, length)) {
        root = SharedBuffers.share(moved, target);
      }
      vectors.clear();
      return new ArrowBatch(root, dictionaries, position, lease::release);
    } catch (RuntimeException | Error e) {
      List<AutoCloseable> made = new ArrayList<>(vectors);
      dictionaries.values().forEach(d -> made.add(d.getVector()));
      SharedBuffers.closeAfterFailure(e, made);
      lease.release();
      throw e;
    }
  }

  /**
   * Closes the reader and releases the source's reference to the lease; the reader's
   * allocator closes with the lease, after the last batch.
   */
  @Override
  public final void close() {
    if (closed) {
      return;
    }
    closed = true;
    closePlainColumns(); // before the lease, whose allocator holds them
    try {
      closeReader();
    } catch (Exception e) {
      LOG.warn("{}: closing the reader failed", sourceName, e);
    }
    try {
      lease.release();
    } catch (RuntimeException e) {
      // Reported, not thrown: the subscriber must still see the original signal.
      LOG.error("{}: buffers were still allocated when the source closed", sourceName, e);
    }
  }
}
