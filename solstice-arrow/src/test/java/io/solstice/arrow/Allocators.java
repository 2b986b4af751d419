package io.solstice.arrow;

import org.apache.arrow.memory.BufferAllocator;

/** Closing allocators in tests: a leaked byte fails the test. */
final class Allocators {
  private Allocators() {}

  /**
   * Waits (up to five seconds) for sources that end on other threads to release their child
   * allocators, then closes {@code allocator}, which throws if anything leaked.
   */
  static void closeAfterRelease(BufferAllocator allocator) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while ((!allocator.getChildAllocators().isEmpty() || allocator.getAllocatedMemory() != 0)
        && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    allocator.close();
  }
}
