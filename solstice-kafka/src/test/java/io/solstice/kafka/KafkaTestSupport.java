package io.solstice.kafka;

import org.apache.arrow.memory.BufferAllocator;

/** Test helpers shared by the Kafka test classes. */
final class KafkaTestSupport {
  private KafkaTestSupport() {}

  /**
   * Closes a root allocator once every source under it has released its child allocator (a
   * cancelled source finishes on its poll thread shortly after the run ends). Closing throws
   * if any buffer leaked.
   *
   * @param allocator the allocator
   */
  static void closeWhenReleased(BufferAllocator allocator) {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (!allocator.getChildAllocators().isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    allocator.close();
  }
}
