package io.solstice.arrow;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import reactor.core.publisher.Flux;

/**
 * {@link SourceContract} for {@link ArrowSources#roots} (in-memory roots, each subscription
 * copying them); broken input: a root whose schema differs from the first one's.
 */
class RootsSourceContractTest extends SourceContract {
  private final List<VectorSchemaRoot> stored = new ArrayList<>();

  @Override
  protected Flux<ArrowBatch> source() {
    List<VectorSchemaRoot> roots = TestData.roots(allocator, BATCHES, ROWS);
    stored.addAll(roots);
    return ArrowSources.roots("memory", roots, null, allocator, ReadOptions.defaults());
  }

  @Override
  protected Flux<ArrowBatch> broken() {
    List<VectorSchemaRoot> roots = new ArrayList<>(TestData.roots(allocator, 1, ROWS));
    VectorSchemaRoot other = VectorSchemaRoot.create(new Schema(List.of(Field.nullable("id", new ArrowType.Utf8()))), allocator);
    other.allocateNew();
    ((VarCharVector) other.getVector("id")).setSafe(0, "x".getBytes());
    other.setRowCount(1);
    roots.add(other);
    stored.addAll(roots);
    return ArrowSources.roots("memory", roots, null, allocator, ReadOptions.defaults());
  }

  @Override
  protected Class<? extends Throwable> brokenError() {
    return SchemaChangeException.class;
  }

  @Override
  protected void release() {
    stored.forEach(VectorSchemaRoot::close);
  }
}
