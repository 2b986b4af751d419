package io.solstice.reactive.planted;

import org.apache.arrow.memory.BufferAllocator;

/** Breaks {@code ENGINE_KNOWS_NO_ARROW}: engine code holding an Arrow allocator. */
public final class EngineUsingArrow {
  private final BufferAllocator allocator;

  public EngineUsingArrow(BufferAllocator allocator) {
    this.allocator = allocator;
  }

  public long allocated() {
    return allocator.getAllocatedMemory();
  }
}
