package io.solstice.kafka.testing;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** How many times each record id was trained on, across the runs that share this log. */
public final class TrainingLog {
  private final ConcurrentHashMap<Long, Integer> counts = new ConcurrentHashMap<>();
  private final AtomicLong rows = new AtomicLong();

  /**
   * Notes that a record was trained on.
   *
   * @param id the record id
   */
  public void trained(long id) {
    counts.merge(id, 1, Integer::sum);
    rows.incrementAndGet();
  }

  /**
   * Rows trained on so far, repeats included.
   *
   * @return the count
   */
  public long rows() {
    return rows.get();
  }

  /**
   * A snapshot of the counts by id.
   *
   * @return id to times trained
   */
  public Map<Long, Integer> counts() {
    return new TreeMap<>(counts);
  }
}
