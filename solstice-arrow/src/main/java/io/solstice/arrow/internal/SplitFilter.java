package io.solstice.arrow.internal;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.Split;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The rows of one split, picked from a table read in order, batch by batch: it counts each
 * stratum's occurrences as the rows go by and asks the {@link SplitQuotas} where each row
 * goes. One filter per pass over the table (the counts start at zero).
 *
 * <p>Thread safety: not thread-safe; one pass, one thread at a time (its counters change per row).
 */
public final class SplitFilter {
  private final SplitQuotas quotas;
  private final StratumColumn strata;
  private final Split split;
  private final Map<Object, Long> seen = new HashMap<>();
  private long batches;

  /**
   * A filter for one pass.
   *
   * @param quotas where rows go
   * @param strata how to read a row's stratum
   * @param split the split to keep
   */
  public SplitFilter(SplitQuotas quotas, StratumColumn strata, Split split) {
    this.quotas = quotas;
    this.strata = strata;
    this.split = split;
  }

  /**
   * Copies the batch's rows of the split into a new batch (sharing the batch's dictionaries);
   * the given batch stays the caller's.
   *
   * @param batch the next batch of the table, open
   * @param allocator owns the new batch
   * @return the new batch, or null when no row of the batch belongs to the split
   */
  public ArrowBatch select(ArrowBatch batch, BufferAllocator allocator) {
    int[] rows = rowsOf(batch);
    long index = batches++;
    if (rows.length == 0) {
      return null;
    }
    return RowGather.gather(List.of(batch), new int[rows.length], rows, rows.length, allocator,
        new BatchPosition(split.label(), 0, index), null);
  }

  /**
   * The batch's rows that belong to the split, in order; the next batch continues the count.
   *
   * @param batch the next batch of the table, open
   * @return the row indices within the batch
   */
  public int[] rowsOf(ArrowBatch batch) {
    Object[] keys = strata.strata(batch);
    int[] rows = new int[keys.length];
    int kept = 0;
    for (int r = 0; r < keys.length; r++) {
      long occurrence = seen.merge(keys[r], 1L, Long::sum) - 1;
      if (quotas.assign(keys[r], occurrence) == split) {
        rows[kept++] = r;
      }
    }
    return java.util.Arrays.copyOf(rows, kept);
  }
}
