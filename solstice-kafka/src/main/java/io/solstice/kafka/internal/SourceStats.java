package io.solstice.kafka.internal;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;

/** Counters a source exposes while it runs; thread-safe. */
public final class SourceStats {
  private final AtomicLong inFlight = new AtomicLong();
  private final AtomicLong peakInFlight = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final Set<TopicPartition> assignment = ConcurrentHashMap.newKeySet();
  private final Set<TopicPartition> everAssigned = ConcurrentHashMap.newKeySet();
  private final Map<TopicPartition, Long> logEnds = new ConcurrentHashMap<>();

  /** Creates zeroed counters. */
  public SourceStats() {}

  /**
   * Records fetched and not yet finished changed by {@code delta}.
   *
   * @param delta the change
   */
  public void addInFlight(long delta) {
    long now = inFlight.addAndGet(delta);
    peakInFlight.accumulateAndGet(now, Math::max);
  }

  /**
   * Records fetched and not yet finished.
   *
   * @return the count
   */
  public long inFlight() {
    return inFlight.get();
  }

  /**
   * The highest {@link #inFlight()} seen.
   *
   * @return the peak
   */
  public long peakInFlight() {
    return peakInFlight.get();
  }

  /** Counts a skipped bad record. */
  public void skippedOne() {
    skipped.incrementAndGet();
  }

  /**
   * Bad records skipped to the dead-letter topic.
   *
   * @return the count
   */
  public long skipped() {
    return skipped.get();
  }

  /**
   * Partitions were assigned.
   *
   * @param partitions the partitions
   */
  public void assigned(Collection<TopicPartition> partitions) {
    assignment.addAll(partitions);
    everAssigned.addAll(partitions);
  }

  /**
   * Partitions were revoked or lost.
   *
   * @param partitions the partitions
   */
  public void revoked(Collection<TopicPartition> partitions) {
    assignment.removeAll(partitions);
    partitions.forEach(logEnds::remove);
  }

  /**
   * The end of a partition's log (the offset after its last readable record) as the last fetch
   * reported it.
   *
   * @param partition the partition
   * @param end the end offset
   */
  public void logEnd(TopicPartition partition, long end) {
    logEnds.put(partition, end);
  }

  /**
   * The log ends known for the partitions assigned now.
   *
   * @return a copy
   */
  public Map<TopicPartition, Long> logEnds() {
    return Map.copyOf(logEnds);
  }

  /**
   * The partitions assigned now, sorted by name.
   *
   * @return a copy
   */
  public Set<TopicPartition> assignment() {
    return sorted(assignment);
  }

  /**
   * Every partition assigned at some time, sorted by name.
   *
   * @return a copy
   */
  public Set<TopicPartition> everAssigned() {
    return sorted(everAssigned);
  }

  private static Set<TopicPartition> sorted(Set<TopicPartition> set) {
    Set<TopicPartition> copy = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));
    copy.addAll(set);
    return copy;
  }
}
