package io.solstice.arrow.internal;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.SchemaChangeException;
import io.solstice.arrow.SourceLease;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;

/**
 * One pass of a streamed table for a shuffled epoch of one split: the epoch's order is a
 * {@link SeededPermutation} of the split's rows (position {@code i} of the epoch holds the row
 * {@code order.apply(i)}, counting the split's rows in table order), and this pass gathers the
 * rows of positions {@code [from, from + count)}, the window, as the table goes by. Each row
 * finds its position with {@link SeededPermutation#inverse}, so nothing but the window's rows is
 * held. {@link #cursor} then emits the window in position order; after all passes of an epoch
 * every row has been emitted once, in exactly the permutation's order.
 *
 * <p>The window's rows are copied ({@link RowGather}) into batches under a child of the given
 * allocator, closed with the cursor, or by {@link #close} when the pass ends before one is
 * made.
 *
 * <p>Thread safety: thread-safe; {@link #accept} and {@link #close} may race (a cancelled pass).
 */
public final class WindowPass implements AutoCloseable {
  private final SplitFilter filter;
  private final SeededPermutation order;
  private final long from;
  private final int count;
  private final BufferAllocator allocator;
  private final List<ArrowBatch> pieces = new ArrayList<>();
  private final int[] pieceOf;
  private final int[] rowOf;
  private long splitRow;
  private int filled;
  private boolean handedOver;
  private boolean closed;

  /**
   * A pass.
   *
   * @param filter picks the split's rows; a fresh one (its counts start at the table's start)
   * @param order the epoch's order of the split's rows
   * @param from the first position of the window
   * @param count the positions in the window, at least 1
   * @param parent the parent of the window's allocator
   */
  public WindowPass(SplitFilter filter, SeededPermutation order, long from, int count, BufferAllocator parent) {
    this.filter = filter;
    this.order = order;
    this.from = from;
    this.count = count;
    this.pieceOf = new int[count];
    this.rowOf = new int[count];
    this.allocator = parent.newChildAllocator("shuffle-window", 0, parent.getLimit());
  }

  /**
   * Keeps the batch's rows of the split whose positions fall in the window.
   *
   * @param batch the next batch of the table, open; it stays the caller's
   * @throws SchemaChangeException when the batch's dictionaries differ from the earlier ones
   */
  public synchronized void accept(ArrowBatch batch) {
    if (closed) {
      return;
    }
    int[] rows = filter.rowsOf(batch);
    int[] kept = new int[rows.length];
    int[] slots = new int[rows.length];
    int n = 0;
    for (int row : rows) {
      long slot = order.inverse(splitRow++) - from;
      if (slot >= 0 && slot < count) {
        kept[n] = row;
        slots[n++] = (int) slot;
      }
    }
    if (n == 0) {
      return;
    }
    if (!pieces.isEmpty() && !RowGather.sameDictionaries(pieces.get(0), batch)) {
      throw new SchemaChangeException(null, "the table's batches have different dictionaries, so rows of a shuffle "
          + "window cannot share one batch (at " + batch.position() + "); keep the streamed rows in table order "
          + "(a shuffle window of 0)");
    }
    ArrowBatch piece = RowGather.gather(List.of(batch), new int[n], kept, n, allocator, batch.position(), null);
    pieces.add(piece);
    for (int i = 0; i < n; i++) {
      pieceOf[slots[i]] = pieces.size() - 1;
      rowOf[slots[i]] = i;
    }
    filled += n;
  }

  /**
   * The cursor that emits the window in position order, once the whole table was accepted; it
   * closes the window's rows when it closes.
   *
   * @param name the source's name
   * @param lease the subscription's lease
   * @param batchSize rows per emitted batch
   * @return the cursor
   * @throws IllegalStateException when the table did not give the window's rows (it changed
   *     since it was planned)
   */
  public synchronized BatchCursor cursor(String name, SourceLease lease, int batchSize) {
    if (filled != count) {
      throw new IllegalStateException(name + ": the table gave " + filled + " of the " + count + " rows of a shuffle "
          + "window; it changed since the split was planned");
    }
    handedOver = true;
    return new GatherCursor(name, pieces, pieceOf, rowOf, null, lease, batchSize, this::release);
  }

  /** Releases the window's rows, unless a cursor took them over (that cursor releases them). */
  @Override
  public synchronized void close() {
    if (!handedOver) {
      release();
    }
  }

  private synchronized void release() {
    if (closed) {
      return;
    }
    closed = true;
    pieces.forEach(ArrowBatch::close);
    pieces.clear();
    allocator.close();
  }
}
