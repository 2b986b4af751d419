package io.solstice.arrow;

import io.solstice.arrow.internal.SharedBuffers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One record batch that owns its memory: its own {@link VectorSchemaRoot} (never a reader's
 * reused root), the dictionaries its dictionary-encoded columns refer to, and its
 * {@link BatchPosition}. Whoever receives a batch closes it exactly once, after use; closing
 * again does nothing, and closing is safe from any thread.
 *
 * <p><b>Sharing.</b> A batch is one <em>handle</em> on its buffers. {@link #retain()} makes
 * another handle on the same buffers for another holder (each buffer gains one Arrow reference;
 * nothing is copied), and {@link #share(int)} turns one handle into {@code n}. Each handle has
 * its own root and is closed once by its holder; the buffers are released when the last handle
 * is closed, in whichever order and on whichever thread that happens, and the source's
 * after-close action (releasing its allocator) runs then. A holder must not close another
 * holder's handle, and must not change the values of a shared batch.
 *
 * <p>The batch is also the {@link DictionaryProvider} of its own columns.
 *
 * <p>Thread safety: apart from close(), a handle is not thread-safe; its one holder reads it (and
 * retains it) at a time. Handles on the same buffers may be read and closed on different threads.
 */
public final class ArrowBatch implements AutoCloseable, DictionaryProvider {
  private final VectorSchemaRoot root;
  private final Map<Long, Dictionary> dictionaries;
  private final BatchPosition position;
  private final Holders holders;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Takes ownership of a root and its dictionaries.
   *
   * @param root the batch's own root; closed with the batch
   * @param dictionaries the dictionaries by id, owned by the batch and closed with it
   * @param position where the batch came from
   * @param afterClose runs once after the buffers are released, when the last handle on them is
   *     closed (for example to release the source's allocator); may be null
   */
  public ArrowBatch(
      VectorSchemaRoot root,
      Map<Long, Dictionary> dictionaries,
      BatchPosition position,
      Runnable afterClose) {
    this(root, dictionaries, position, new Holders(afterClose));
  }

  private ArrowBatch(
      VectorSchemaRoot root, Map<Long, Dictionary> dictionaries, BatchPosition position, Holders holders) {
    this.root = Objects.requireNonNull(root, "root");
    this.dictionaries = Map.copyOf(dictionaries);
    this.position = Objects.requireNonNull(position, "position");
    this.holders = holders;
  }

  /**
   * The batch's columns. Valid until the batch is closed; do not close it yourself.
   *
   * @return the root
   */
  public VectorSchemaRoot root() {
    checkOpen();
    return root;
  }

  /**
   * The schema (dictionary-encoded columns show their index type and encoding).
   *
   * @return the schema
   */
  public Schema schema() {
    return root.getSchema();
  }

  /**
   * The number of rows.
   *
   * @return rows in this batch
   */
  public int rowCount() {
    return root.getRowCount();
  }

  /**
   * Where the batch came from, for checkpoints. Handles made by {@link #retain()} carry the very
   * same position object.
   *
   * @return the position
   */
  public BatchPosition position() {
    return position;
  }

  /**
   * Whether {@link #close()} has been called on this handle.
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return closed.get();
  }

  /**
   * Another handle on the same buffers, for another holder, who closes it. Nothing is copied:
   * every buffer gains one Arrow reference, and the memory stays allocated until this handle and
   * every other one are closed. This handle stays open and stays its holder's.
   *
   * @return the new handle
   * @throws IllegalStateException if this handle is closed
   */
  public ArrowBatch retain() {
    checkOpen();
    return handle(position);
  }

  /**
   * This batch's buffers under another position, for operators that number their outputs
   * themselves: a new handle in this batch's group (nothing is copied), and this handle is closed,
   * even if making the new one fails.
   */
  ArrowBatch at(BatchPosition other) {
    Objects.requireNonNull(other, "other");
    try {
      checkOpen();
      return handle(other);
    } finally {
      close();
    }
  }

  private ArrowBatch handle(BatchPosition at) {
    holders.add();
    List<AutoCloseable> made = new ArrayList<>();
    try {
      List<FieldVector> vectors = SharedBuffers.shareEach(root.getFieldVectors());
      made.addAll(vectors);
      VectorSchemaRoot shared = SharedBuffers.rootOf(vectors, root.getRowCount());
      Map<Long, Dictionary> sharedDictionaries = shareDictionaries();
      return new ArrowBatch(shared, sharedDictionaries, at, holders);
    } catch (RuntimeException | Error e) {
      SharedBuffers.closeAfterFailure(e, made);
      holders.release();
      throw e;
    }
  }

  /**
   * Hands this batch to {@code n} holders: returns {@code n} handles on the same buffers, the
   * first of which is this one (so the caller's ownership passes into the list). With {@code n}
   * 0 the batch is closed. Nothing is copied.
   *
   * @param n the number of holders, at least 0
   * @return the handles, each to be closed once by its holder
   * @throws IllegalStateException if this handle is closed
   */
  public List<ArrowBatch> share(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n must be >= 0, got " + n);
    }
    checkOpen();
    if (n == 0) {
      close();
      return List.of();
    }
    List<ArrowBatch> handles = new ArrayList<>(n);
    handles.add(this);
    try {
      for (int i = 1; i < n; i++) {
        handles.add(retain());
      }
      return handles;
    } catch (RuntimeException | Error e) {
      SharedBuffers.closeAfterFailure(e, handles.subList(1, handles.size()));
      throw e;
    }
  }

  /**
   * The number of open handles on this batch's buffers (1 when it was never shared), including
   * handles of batches derived from it by the operators of {@link ArrowFlux}.
   *
   * @return the count of open handles
   */
  public int holderCount() {
    return holders.count.get();
  }

  /**
   * A new handle in this batch's group over a root the caller built from this batch's buffers
   * (retained) and possibly new vectors allocated under this batch's allocator: it keeps the
   * source's after-close action waiting until it is closed too.
   */
  ArrowBatch derive(VectorSchemaRoot derived, Map<Long, Dictionary> derivedDictionaries) {
    checkOpen();
    holders.add();
    return new ArrowBatch(derived, derivedDictionaries, position, holders);
  }

  /**
   * Rows {@code [from, from + length)} as a new handle in this batch's group: the values are the
   * same buffers (only a validity bitmap that does not start on a byte boundary is copied).
   */
  ArrowBatch slice(int from, int length) {
    checkOpen();
    VectorSchemaRoot sliced = root.slice(from, length);
    try {
      return derive(sliced, shareDictionaries());
    } catch (RuntimeException | Error e) {
      sliced.close();
      throw e;
    }
  }

  /** The allocator this batch's columns account to, for columns added to a derived batch. */
  BufferAllocator allocator() {
    checkOpen();
    if (root.getFieldVectors().isEmpty()) {
      throw new IllegalStateException("batch " + position + " has no columns, so no allocator to add one with");
    }
    return root.getFieldVectors().get(0).getAllocator();
  }

  /** This batch's dictionaries, each shared into a new vector the caller owns. */
  Map<Long, Dictionary> shareDictionaries() {
    return SharedBuffers.shareDictionaries(this, null);
  }

  /**
   * The values of a dictionary-encoded column: its dictionary's vector, which the column's
   * integers index.
   *
   * @param column a column of this batch
   * @return the dictionary's values, or null for a column that is not dictionary-encoded
   * @throws CorruptIpcException when the column refers to a dictionary this batch lacks
   */
  public FieldVector dictionaryValues(FieldVector column) {
    DictionaryEncoding encoding = column.getField().getDictionary();
    if (encoding == null) {
      return null;
    }
    Dictionary dictionary = lookup(encoding.getId());
    if (dictionary == null) {
      throw new CorruptIpcException(column.getName(), "refers to dictionary " + encoding.getId()
          + " which the data lacks");
    }
    return dictionary.getVector();
  }

  /** {@inheritDoc} */
  @Override
  public Dictionary lookup(long id) {
    checkOpen();
    return dictionaries.get(id);
  }

  /** {@inheritDoc} */
  @Override
  public Set<Long> getDictionaryIds() {
    return dictionaries.keySet();
  }

  /**
   * Releases this handle's references to the buffers; the buffers themselves are freed when
   * the last handle is closed. Only the first call has an effect.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      root.close();
      for (Dictionary d : dictionaries.values()) {
        d.getVector().close();
      }
    } finally {
      holders.release();
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("batch " + position + " is closed");
    }
  }

  @Override
  public String toString() {
    return "ArrowBatch[" + position + ", rows=" + root.getRowCount() + ", holders=" + holders.count.get()
        + (closed.get() ? ", closed]" : "]");
  }

  /** The handles open on one set of buffers, and what to do when the last one closes. */
  private static final class Holders {
    final AtomicInteger count = new AtomicInteger(1);
    final Runnable afterLast;

    Holders(Runnable afterLast) {
      this.afterLast = afterLast;
    }

    /** Called only through an open handle, so the count is at least 1 here. */
    void add() {
      count.incrementAndGet();
    }

    void release() {
      if (count.decrementAndGet() == 0 && afterLast != null) {
        afterLast.run();
      }
    }
  }
}
