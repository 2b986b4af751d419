package io.solstice.examples.data;

import org.apache.arrow.memory.BufferAllocator;

/** Closing allocators once sources that end on other threads have released their memory. */
public final class Allocators {
  private Allocators() {}

  /**
   * Waits up to five seconds for child allocators (each source subscription has one, released
   * on the thread where the source ended) to go, then closes {@code allocator}, which throws
   * {@code IllegalStateException} if any Arrow memory leaked.
   *
   * @param allocator the allocator to close
   */
  public static void closeAfterRelease(BufferAllocator allocator) {
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
