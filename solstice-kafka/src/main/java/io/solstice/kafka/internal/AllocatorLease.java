package io.solstice.kafka.internal;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;

/**
 * A subscription's child allocator, closed when the poll loop and every batch it made are
 * done with it, so closing the parent afterwards proves nothing leaked.
 */
final class AllocatorLease {
  private final BufferAllocator allocator;
  private final AtomicInteger holders = new AtomicInteger(1);

  AllocatorLease(BufferAllocator allocator) {
    this.allocator = allocator;
  }

  BufferAllocator allocator() {
    return allocator;
  }

  void acquire() {
    holders.incrementAndGet();
  }

  void release() {
    if (holders.decrementAndGet() == 0) {
      allocator.close();
    }
  }
}
