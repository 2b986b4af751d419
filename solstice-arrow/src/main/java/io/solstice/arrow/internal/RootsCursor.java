package io.solstice.arrow.internal;

import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.SourceLease;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;

/**
 * Emits caller-owned roots as batches that share their buffers by reference count: the
 * caller's roots stay intact and may be read again by the next subscription.
 *
 * <p>Thread safety: not thread-safe, like every BatchCursor: Flux.generate calls it serially.
 */
public final class RootsCursor extends BatchCursor {
  private final List<VectorSchemaRoot> roots;
  private final DictionaryProvider dictionaries;
  private Iterator<VectorSchemaRoot> iterator;

  /**
   * Creates the cursor.
   *
   * @param name a name for positions and messages
   * @param roots the roots, in order
   * @param dictionaries their dictionaries, or null
   * @param lease the subscription's lease
   * @param batchSize rows per batch, 0 for as given
   * @param startAt the start position or null
   */
  public RootsCursor(String name, List<VectorSchemaRoot> roots, DictionaryProvider dictionaries,
      SourceLease lease, int batchSize, BatchPosition startAt) {
    super(name, lease, batchSize, startAt);
    this.roots = roots;
    this.dictionaries = dictionaries;
  }

  @Override
  protected void open(BufferAllocator allocator, BatchPosition startAt) {
    iterator = roots.iterator();
  }

  @Override
  protected Loaded loadNext() {
    return iterator.hasNext() ? new Loaded(iterator.next(), dictionaries, 0) : null;
  }

  @Override
  protected boolean movesBuffers() {
    return false;
  }

  @Override
  protected RuntimeException translate(Throwable failure) {
    return failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
  }

  @Override
  protected void closeReader() {}
}
