package io.solstice.arrow.reliability;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Small labelled Arrow batches: a {@code FixedSizeList<Float32>} column "x" of width 2 and an
 * int column "label" with values in [0, 3).
 */
final class SmallArrowData {

  static final int WIDTH = 2;

  private SmallArrowData() {}

  static Schema schema() {
    Field value = new Field("$data$",
        FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null);
    return new Schema(List.of(
        new Field("x", FieldType.notNullable(new ArrowType.FixedSizeList(WIDTH)), List.of(value)),
        Field.notNullable("label", new ArrowType.Int(32, true))));
  }

  /** {@code batches} roots of {@code rows} rows; the caller closes them. */
  static List<VectorSchemaRoot> roots(BufferAllocator allocator, int batches, int rows) {
    List<VectorSchemaRoot> roots = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      VectorSchemaRoot root = VectorSchemaRoot.create(schema(), allocator);
      root.allocateNew();
      FixedSizeListVector x = (FixedSizeListVector) root.getVector("x");
      Float4Vector values = (Float4Vector) x.getDataVector();
      IntVector label = (IntVector) root.getVector("label");
      for (int r = 0; r < rows; r++) {
        x.setNotNull(r);
        for (int c = 0; c < WIDTH; c++) {
          values.setSafe(r * WIDTH + c, b + r * 0.5f + c);
        }
        label.setSafe(r, (b + r) % 3);
      }
      values.setValueCount(rows * WIDTH);
      root.setRowCount(rows);
      roots.add(root);
    }
    return roots;
  }
}
