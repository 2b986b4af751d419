package io.solstice.examples.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.BatchPosition;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** The survey's count of null features, in a vector column, across batches. */
class TableSurveyTest {

  @Test
  void aVectorRowWithANullElementOrNoVectorAtAllCountsOnceWithItsTableRow() {
    try (BufferAllocator allocator = new RootAllocator()) {
      // Batch 0 rows 0-4: row 2 has a null element; batch 1 rows 5-9: row 1 (table row 6) is null.
      Flux<ArrowBatch> table = Flux.just(batch(allocator, 0, 2, -1), batch(allocator, 1, -1, 1));

      TableLayout layout = TableSurvey.survey(table, "vectors", "label", List.of(), List.of(), List.of(), false);

      assertThat(layout.features()).containsExactly("xs");
      assertThat(layout.nulls()).isEqualTo(Map.of("xs", new TableLayout.Rows(2, 2)));
    }
  }

  /** Five rows of a 3-wide float vector and a 0/1 label; -1 for no null element or row. */
  private static ArrowBatch batch(BufferAllocator allocator, int index, int nullElementRow, int nullRow) {
    FixedSizeListVector xs = FixedSizeListVector.empty("xs", 3, allocator);
    xs.addOrGetVector(FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)));
    xs.allocateNew();
    Float4Vector values = (Float4Vector) xs.getDataVector();
    IntVector label = new IntVector("label", allocator);
    label.allocateNew(5);
    for (int r = 0; r < 5; r++) {
      if (r == nullRow) {
        xs.setNull(r);
      } else {
        xs.setNotNull(r);
        for (int c = 0; c < 3; c++) {
          if (r == nullElementRow && c == 1) {
            values.setNull(r * 3 + c);
          } else {
            values.setSafe(r * 3 + c, r + c);
          }
        }
      }
      label.set(r, r % 2);
    }
    values.setValueCount(15);
    xs.setValueCount(5);
    label.setValueCount(5);
    VectorSchemaRoot root = new VectorSchemaRoot(List.of(xs, label));
    root.setRowCount(5);
    return new ArrowBatch(root, Map.of(), new BatchPosition("vectors", 0, index), null);
  }
}
