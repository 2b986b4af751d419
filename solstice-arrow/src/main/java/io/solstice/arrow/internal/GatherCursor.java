package io.solstice.arrow.internal;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.SourceLease;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Emits chosen rows of a table held in memory, {@code batchSize} rows at a time, in table order
 * or in the order of a permutation: each load copies the next rows into a fresh root, whose
 * buffers {@link BatchCursor} then moves into the emitted batch. The table's batches stay the
 * caller's; {@code onClose} (when given) runs when the cursor closes, which the source does on
 * the thread that reads it, never during a load.
 *
 * <p>Thread safety: not thread-safe, like every BatchCursor: Flux.generate calls it serially.
 */
public final class GatherCursor extends BatchCursor {
  private final List<ArrowBatch> table;
  private final int[] batchOf;
  private final int[] rowOf;
  private final SeededPermutation order;
  private final int chunk;
  private final int[] chunkBatch;
  private final int[] chunkRow;
  private final Runnable onClose;
  private BufferAllocator allocator;
  private VectorSchemaRoot loaded;
  private int next;

  /**
   * Creates the cursor.
   *
   * @param name a name for positions and messages
   * @param table the batches of the table, open while the cursor lives
   * @param batchOf for each row to emit, its batch in {@code table}
   * @param rowOf for each row to emit, its row in that batch
   * @param order the order to emit the rows in, or null for the given order
   * @param lease the subscription's lease
   * @param batchSize rows per emitted batch, at least 1
   * @param onClose runs once when the cursor closes (to release {@code table}), or null
   */
  public GatherCursor(String name, List<ArrowBatch> table, int[] batchOf, int[] rowOf, SeededPermutation order,
      SourceLease lease, int batchSize, Runnable onClose) {
    super(name, lease, batchSize, null);
    this.table = table;
    this.batchOf = batchOf;
    this.rowOf = rowOf;
    this.order = order;
    this.chunk = batchSize;
    this.chunkBatch = new int[batchSize];
    this.chunkRow = new int[batchSize];
    this.onClose = onClose;
  }

  @Override
  protected void open(BufferAllocator readerAllocator, BatchPosition startAt) {
    this.allocator = readerAllocator;
  }

  @Override
  protected Loaded loadNext() {
    closeLoaded();
    int count = Math.min(chunk, batchOf.length - next);
    if (count <= 0) {
      return null;
    }
    for (int i = 0; i < count; i++) {
      int row = order == null ? next + i : (int) order.apply(next + i);
      chunkBatch[i] = batchOf[row];
      chunkRow[i] = rowOf[row];
    }
    next += count;
    loaded = RowGather.gatherRows(table, chunkBatch, chunkRow, count, allocator);
    return new Loaded(loaded, table.get(0), 0);
  }

  private void closeLoaded() {
    if (loaded != null) {
      loaded.close();
      loaded = null;
    }
  }

  @Override
  protected RuntimeException translate(Throwable failure) {
    return failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
  }

  @Override
  protected void closeReader() {
    closeLoaded();
    if (onClose != null) {
      onClose.run();
    }
  }
}
