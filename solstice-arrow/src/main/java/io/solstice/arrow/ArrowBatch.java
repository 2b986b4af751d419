package io.solstice.arrow;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One record batch that owns its memory: its own {@link VectorSchemaRoot} (never a reader's
 * reused root), the dictionaries its dictionary-encoded columns refer to, and its
 * {@link BatchPosition}. Whoever receives a batch closes it exactly once, after use; closing
 * again does nothing, and closing is safe from any thread.
 *
 * <p>The batch is also the {@link DictionaryProvider} of its own columns.
 *
 * <p>Thread safety: apart from close(), not thread-safe; one owner reads it at a time.
 */
public final class ArrowBatch implements AutoCloseable, DictionaryProvider {
  private final VectorSchemaRoot root;
  private final Map<Long, Dictionary> dictionaries;
  private final BatchPosition position;
  private final Runnable afterClose;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Takes ownership of a root and its dictionaries.
   *
   * @param root the batch's own root; closed with the batch
   * @param dictionaries the dictionaries by id, owned by the batch and closed with it
   * @param position where the batch came from
   * @param afterClose runs once after the buffers are released (for example to release the
   *     source's allocator); may be null
   */
  public ArrowBatch(
      VectorSchemaRoot root,
      Map<Long, Dictionary> dictionaries,
      BatchPosition position,
      Runnable afterClose) {
    this.root = Objects.requireNonNull(root, "root");
    this.dictionaries = Map.copyOf(dictionaries);
    this.position = Objects.requireNonNull(position, "position");
    this.afterClose = afterClose;
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
   * Where the batch came from, for checkpoints.
   *
   * @return the position
   */
  public BatchPosition position() {
    return position;
  }

  /**
   * Whether {@link #close()} has been called.
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return closed.get();
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

  /** Releases the batch's buffers; only the first call has an effect. */
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
      if (afterClose != null) {
        afterClose.run();
      }
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("batch " + position + " is closed");
    }
  }

  @Override
  public String toString() {
    return "ArrowBatch[" + position + ", rows=" + root.getRowCount() + (closed.get() ? ", closed]" : "]");
  }
}
