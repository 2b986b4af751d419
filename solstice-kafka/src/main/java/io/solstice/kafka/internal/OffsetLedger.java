package io.solstice.kafka.internal;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The book of record ranges per partition: which ranges were handed out, which were trained
 * (or set aside as bad), and so how far each partition may be committed.
 *
 * <p>A partition's <em>trained position</em> is the offset after the longest run of finished
 * ranges from where the partition started; a range closed without being trained stops that
 * run for good, so nothing after it is committed or checkpointed and a restart re-reads it
 * (at least once, never lost). Ranges are registered in offset order per partition.
 *
 * <p>Thread-safe: the poll thread registers and commits, the training thread marks ranges
 * trained, and any thread may close a batch. Partitions that were revoked keep no book: marks
 * and closes of their old ranges are ignored, so batches already emitted from a revoked
 * partition never move its offsets.
 */
public final class OffsetLedger {

  /** The state of one range of records. */
  enum State {
    PENDING,
    DONE,
    ABANDONED
  }

  /** A range of offsets [from, to) of one partition, handed out as one batch or skipped. */
  public static final class Range {
    private final Book book;
    private final long from;
    private final long to;
    private final Object key;
    private State state = State.PENDING;

    private Range(Book book, long from, long to, Object key) {
      this.book = book;
      this.from = from;
      this.to = to;
      this.key = key;
    }

    /**
     * The first offset of the range.
     *
     * @return the offset
     */
    public long from() {
      return from;
    }
  }

  /** The book of one partition for one assignment of it. */
  private static final class Book {
    final TopicPartition partition;
    final ArrayDeque<Range> open = new ArrayDeque<>();
    long trained;
    long committed;
    boolean revoked;
    /** A range was closed untrained at the head: the trained position never moves again. */
    boolean stuck;

    Book(TopicPartition partition, long start, long committed) {
      this.partition = partition;
      this.trained = start;
      this.committed = committed;
    }

    void advance() {
      while (!stuck && !open.isEmpty() && open.peekFirst().state != State.PENDING) {
        Range head = open.pollFirst();
        if (head.state == State.ABANDONED) {
          stuck = true;
        } else {
          trained = head.to;
        }
      }
      if (stuck) {
        // Only pending ranges still matter (to hasPending): a stream that goes on after a batch
        // it never trained must not keep every later range.
        open.removeIf(range -> range.state != State.PENDING);
      }
    }
  }

  private final Map<TopicPartition, Book> books = new HashMap<>();
  /**
   * Pending ranges by the identity of their batch's position object. Identity, not equality:
   * after a partition is revoked and assigned again, a batch of the old assignment and one of
   * the new may start at the same offset, and only the exact batch may mark its range.
   */
  private final Map<Object, Range> pendingByKey = new IdentityHashMap<>();

  /** Creates an empty ledger. */
  public OffsetLedger() {}

  /**
   * Starts the book of a newly assigned partition.
   *
   * @param partition the partition
   * @param position the consumer's position there (the next offset it will read)
   */
  public synchronized void assigned(TopicPartition partition, long position) {
    books.put(partition, new Book(partition, position, position));
  }

  /**
   * Starts the book of a newly assigned partition whose consumer was moved to a position the
   * group has not committed (a run resuming from a checkpoint): that position is offered by the
   * next {@link #toCommit} or {@link #revoked}, even before anything is trained, so a rebalance
   * before the first commit cannot send the partition back to the group's own offset, past
   * records the resumed model has not seen.
   *
   * @param partition the partition
   * @param position the position the consumer was moved to
   */
  public synchronized void assignedAt(TopicPartition partition, long position) {
    books.put(partition, new Book(partition, position, Long.MIN_VALUE));
  }

  /**
   * Closes the books of revoked partitions and returns what may still be committed there.
   * Later marks and closes of their ranges are ignored.
   *
   * @param partitions the revoked partitions
   * @return the trained positions to commit, for partitions that advanced since their last
   *     commit
   */
  public synchronized Map<TopicPartition, OffsetAndMetadata> revoked(Collection<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> commit = new LinkedHashMap<>();
    for (TopicPartition tp : partitions) {
      Book book = books.remove(tp);
      if (book == null) {
        continue;
      }
      book.revoked = true;
      book.open.forEach(r -> pendingByKey.remove(r.key));
      if (book.trained > book.committed) {
        commit.put(tp, new OffsetAndMetadata(book.trained));
      }
    }
    return commit;
  }

  /**
   * Registers a range handed out (or about to be skipped). Ranges of a partition are
   * registered in offset order.
   *
   * @param partition the partition
   * @param from the first offset
   * @param to one past the last offset
   * @param key the object that identifies the range's batch to {@link #trained(Object)} (the
   *     batch's position object), or null for a range no batch carries
   * @return the range, to mark or close later
   */
  public synchronized Range register(TopicPartition partition, long from, long to, Object key) {
    Book book = books.get(partition);
    if (book == null) {
      throw new IllegalStateException("records of " + partition + " arrived while it is not assigned");
    }
    Range range = new Range(book, from, to, key);
    book.open.addLast(range);
    if (key != null) {
      pendingByKey.put(key, range);
    }
    return range;
  }

  /**
   * Marks a range finished (trained, or set aside as a bad record).
   *
   * @param range the range
   */
  public synchronized void done(Range range) {
    if (range.book.revoked || range.state != State.PENDING) {
      return;
    }
    range.state = State.DONE;
    if (range.key != null) {
      pendingByKey.remove(range.key);
    }
    range.book.advance();
  }

  /**
   * Marks the pending range registered with this very key (compared by identity) as trained.
   *
   * @param key the key given to {@link #register}
   * @return true if such a pending range was found
   */
  public synchronized boolean trained(Object key) {
    Range range = pendingByKey.get(key);
    if (range == null) {
      return false;
    }
    done(range);
    return true;
  }

  /**
   * Notes that a range's batch was closed. A range closed before it was trained is
   * abandoned: the trained position of its partition stops before it.
   *
   * @param range the range
   * @param countsAsTrained whether closing means the batch was trained on
   */
  public synchronized void closed(Range range, boolean countsAsTrained) {
    if (range.book.revoked || range.state != State.PENDING) {
      return;
    }
    if (countsAsTrained) {
      done(range);
    } else {
      range.state = State.ABANDONED;
      if (range.key != null) {
        pendingByKey.remove(range.key);
      }
      range.book.advance();
    }
  }

  /**
   * The trained positions that moved since the last call, to commit now; they count as
   * committed from here on.
   *
   * @return offsets to commit, possibly empty
   */
  public synchronized Map<TopicPartition, OffsetAndMetadata> toCommit() {
    Map<TopicPartition, OffsetAndMetadata> commit = new LinkedHashMap<>();
    for (Book book : books.values()) {
      if (book.trained > book.committed) {
        commit.put(book.partition, new OffsetAndMetadata(book.trained));
        book.committed = book.trained;
      }
    }
    return commit;
  }

  /**
   * Takes back offsets that {@link #toCommit} gave and the broker did not accept (an asynchronous
   * commit that failed): the next {@link #toCommit} offers those partitions' trained positions
   * again, so a later commit, or the final synchronous one, covers them.
   *
   * @param failed the offsets of the failed commit
   */
  public synchronized void commitFailed(Map<TopicPartition, OffsetAndMetadata> failed) {
    failed.forEach((partition, offset) -> {
      Book book = books.get(partition);
      if (book != null && !book.revoked) {
        book.committed = Math.min(book.committed, offset.offset() - 1);
      }
    });
  }

  /**
   * The next offset to train on, per assigned partition, in {@code topic-partition} order.
   *
   * @return the trained positions
   */
  public synchronized Map<TopicPartition, Long> trainedPositions() {
    TreeMap<String, TopicPartition> sorted = new TreeMap<>();
    books.keySet().forEach(tp -> sorted.put(tp.toString(), tp));
    Map<TopicPartition, Long> positions = new LinkedHashMap<>();
    for (TopicPartition tp : sorted.values()) {
      positions.put(tp, books.get(tp).trained);
    }
    return positions;
  }

  /**
   * The ranges the books hold: pending ones, and finished ones waiting for an earlier range.
   *
   * @return the count
   */
  public synchronized int rangesHeld() {
    int held = 0;
    for (Book book : books.values()) {
      held += book.open.size();
    }
    return held;
  }

  /**
   * Whether some range handed out is still waiting to be trained or closed.
   *
   * @return true when a range is pending
   */
  public synchronized boolean hasPending() {
    for (Book book : books.values()) {
      for (Range range : book.open) {
        if (range.state == State.PENDING) {
          return true;
        }
      }
    }
    return false;
  }
}
