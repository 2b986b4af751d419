package io.solstice.benchmarks.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A batch that counts how many of its kind are alive (created and not yet closed) and the
 * most that ever were: the measure of what a pipeline holds in flight.
 */
public final class CountedBatch implements AutoCloseable {

  private final long index;
  private final Census census;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Creates a batch and counts it as alive.
   *
   * @param index the batch's position in its stream
   * @param census where it is counted
   */
  public CountedBatch(long index, Census census) {
    this.index = index;
    this.census = census;
    census.created();
  }

  /**
   * The batch's position in its stream.
   *
   * @return the index
   */
  public long index() {
    return index;
  }

  /** Counts the batch as gone; closing twice counts once. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      census.closed();
    }
  }

  /** The live count and its high-water mark. */
  public static final class Census {
    private final AtomicInteger alive = new AtomicInteger();
    private final AtomicInteger max = new AtomicInteger();

    void created() {
      int now = alive.incrementAndGet();
      max.accumulateAndGet(now, Math::max);
    }

    void closed() {
      alive.decrementAndGet();
    }

    /**
     * Batches alive now.
     *
     * @return the count
     */
    public int alive() {
      return alive.get();
    }

    /**
     * The most batches that were ever alive at once.
     *
     * @return the high-water mark
     */
    public int max() {
      return max.get();
    }
  }
}
