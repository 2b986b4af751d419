package io.solstice.cuda.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Page-locks host memory for asynchronous copies and keeps count of who uses which locked
 * pages, so that overlapping buffers share one registration.
 *
 * <p>Why the bookkeeping: Arrow's buffers come from a pooled allocator, so the features and
 * labels of consecutive batches may share pages, and the driver refuses to register a page
 * twice. Registrations are page-aligned and never overlap: a request first reuses every
 * registered range it touches and registers only the gaps between them, so a buffer may span
 * several registrations. {@link Lease#segments()} splits the buffer at their boundaries, so
 * that each copy reads from a single registration. A range is unregistered when its last user
 * releases it, which the caller does before the memory is returned to the allocator (a
 * registration must never outlive its memory).
 *
 * <p>Thread-safe.
 */
public final class PinnedRanges {

  /** What actually locks and unlocks memory (cudaHostRegister, or a fake in tests). */
  public interface Pinner {
    /** Page-locks [address, address + bytes). */
    void register(long address, long bytes);

    /** Unlocks the range registered at this address. */
    void unregister(long address);
  }

  private final Pinner pinner;
  private final long pageSize;
  /** Registered ranges by start address: page-aligned, disjoint. */
  private final TreeMap<Long, Range> ranges = new TreeMap<>();

  /**
   * A registry over this pinner.
   *
   * @param pinner locks and unlocks memory
   * @param pageSize the host page size, a power of two
   */
  public PinnedRanges(Pinner pinner, long pageSize) {
    if (pageSize <= 0 || Long.bitCount(pageSize) != 1) {
      throw new IllegalArgumentException("page size must be a power of two, was " + pageSize);
    }
    this.pinner = pinner;
    this.pageSize = pageSize;
  }

  /**
   * Makes [address, address + bytes) page-locked until the lease is closed.
   *
   * @param address the first byte
   * @param bytes at least 1
   * @return the lease, whose segments cover the buffer in address order
   * @throws RuntimeException from the pinner, after undoing what this call registered
   */
  public synchronized Lease acquire(long address, long bytes) {
    if (bytes < 1 || address <= 0) {
      throw new IllegalArgumentException("cannot pin " + bytes + " bytes at " + address);
    }
    long end = address + bytes;
    long pageStart = address & -pageSize;
    long pageEnd = (end + pageSize - 1) & -pageSize;
    List<Range> used = new ArrayList<>();
    List<Range> created = new ArrayList<>();
    try {
      long cursor = pageStart;
      Map.Entry<Long, Range> before = ranges.floorEntry(pageStart);
      if (before != null && before.getValue().end > pageStart) {
        used.add(before.getValue());
        cursor = before.getValue().end;
      }
      // A copy: registering a gap adds to the map being walked.
      for (Range next : List.copyOf(ranges.subMap(pageStart, false, pageEnd, false).values())) {
        if (next.start > cursor) {
          created.add(register(cursor, next.start));
        }
        used.add(next);
        cursor = next.end;
      }
      if (cursor < pageEnd) {
        created.add(register(cursor, pageEnd));
      }
    } catch (RuntimeException | Error e) {
      for (Range range : created) {
        ranges.remove(range.start);
        pinner.unregister(range.start);
      }
      throw e;
    }
    used.addAll(created);
    used.sort((a, b) -> Long.compare(a.start, b.start));
    List<Segment> segments = new ArrayList<>();
    for (Range range : used) {
      range.users++;
      long from = Math.max(address, range.start);
      long to = Math.min(end, range.end);
      segments.add(new Segment(from, to - from, from - address));
    }
    return new Lease(List.copyOf(used), List.copyOf(segments));
  }

  private Range register(long start, long end) {
    pinner.register(start, end - start);
    Range range = new Range(start, end);
    ranges.put(start, range);
    return range;
  }

  private synchronized void release(List<Range> used) {
    for (Range range : used) {
      if (--range.users == 0) {
        ranges.remove(range.start);
        pinner.unregister(range.start);
      }
    }
  }

  /**
   * The registered ranges, as [start, end) pairs in address order (for tests and diagnostics).
   *
   * @return a snapshot
   */
  public synchronized List<long[]> registered() {
    return ranges.values().stream().map(r -> new long[] {r.start, r.end}).toList();
  }

  /** One registered range and how many leases use it. */
  private static final class Range {
    final long start;
    final long end;
    int users;

    Range(long start, long end) {
      this.start = start;
      this.end = end;
    }
  }

  /**
   * A part of a leased buffer that lies inside one registration.
   *
   * @param address the part's first byte
   * @param bytes its length
   * @param offset its offset from the buffer's first byte
   */
  public record Segment(long address, long bytes, long offset) {}

  /** The use of some registered ranges by one buffer; close it once its copies completed. */
  public final class Lease implements AutoCloseable {
    private final List<Range> used;
    private final List<Segment> segments;
    private boolean closed;

    private Lease(List<Range> used, List<Segment> segments) {
      this.used = used;
      this.segments = segments;
    }

    /** The buffer split at registration boundaries, in address order. */
    public List<Segment> segments() {
      return segments;
    }

    /** Releases the ranges; the last user of a range unregisters it. Idempotent. */
    @Override
    public void close() {
      synchronized (PinnedRanges.this) {
        if (closed) {
          return;
        }
        closed = true;
      }
      release(used);
    }
  }
}
