package io.solstice.arrow;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import reactor.core.publisher.Flux;

/**
 * A test's allocator and the {@link TestData} roots its sources read, closed together after the
 * test: closing the allocator fails on any byte a batch leaked.
 */
final class StoredSources implements AutoCloseable {
  final BufferAllocator allocator = new RootAllocator();
  /** Every root stored so far, in order. */
  final List<VectorSchemaRoot> roots = new ArrayList<>();

  /**
   * A source of {@code batches} new batches of {@code rows} rows with ids from {@code firstId},
   * read afresh by each subscription.
   */
  Flux<ArrowBatch> source(String name, long firstId, int batches, int rows) {
    List<VectorSchemaRoot> added = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      VectorSchemaRoot root = VectorSchemaRoot.create(TestData.schema(), allocator);
      TestData.fill(root, firstId + (long) b * rows, rows);
      added.add(root);
    }
    roots.addAll(added);
    return ArrowSources.roots(name, added, null, allocator, ReadOptions.defaults());
  }

  @Override
  public void close() {
    roots.forEach(VectorSchemaRoot::close);
    allocator.close();
  }
}
