package io.solstice.arrow;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The child allocator of one subscription to a source: the building block of every Arrow
 * source in Solstice (files, Flight, Kafka), public so that other modules' sources follow the
 * same ownership. The reader holds one reference and
 * every batch it emitted holds one more, so the allocator closes when the reader is done and
 * the last batch is closed, in whichever order that happens. A batch never closed keeps the
 * allocator open, and closing the parent allocator then reports the leak.
 *
 * <p>Thread safety: thread-safe; the reference count is atomic, so batches may be closed from
 * any thread.
 */
public final class SourceLease {
  private final BufferAllocator allocator;
  private final AtomicInteger references = new AtomicInteger(1);
  private final List<BufferAllocator> children = new CopyOnWriteArrayList<>();

  /**
   * Opens a child of {@code parent}.
   *
   * @param parent the consumer's allocator
   * @param name a name for the child, shown in leak reports
   */
  public SourceLease(BufferAllocator parent, String name) {
    this.allocator = parent.newChildAllocator(name, 0, parent.getLimit());
  }

  /**
   * The allocator batches are owned by.
   *
   * @return the child allocator
   */
  public BufferAllocator allocator() {
    return allocator;
  }

  /** Adds a reference for a batch about to be emitted. */
  public void acquire() {
    if (references.getAndIncrement() <= 0) {
      references.decrementAndGet();
      throw new IllegalStateException("source allocator already closed");
    }
  }

  /**
   * Registers a child allocator to close just before this lease's allocator. A reader's own
   * allocator must outlive the reader when emitted batches still point into memory it
   * accounts for (the C data structs of Parquet batches imported from the native scanner).
   *
   * @param child a child of {@link #allocator()}
   */
  public void closeLast(BufferAllocator child) {
    children.add(child);
  }

  /** Drops a reference; the last one closes the registered children and then the allocator. */
  public void release() {
    if (references.decrementAndGet() == 0) {
      try {
        for (BufferAllocator child : children) {
          child.close();
        }
      } finally {
        allocator.close();
      }
    }
  }
}
