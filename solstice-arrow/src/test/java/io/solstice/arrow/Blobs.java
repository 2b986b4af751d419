package io.solstice.arrow;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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
 * A learnable table for training tests: three Gaussian blobs in {@value #WIDTH} dimensions, a
 * {@code FixedSizeList<Float32>} column "features" (turned into tensors without a copy) and an
 * int column "label". Every value is a function of the seed.
 */
final class Blobs {
  static final int WIDTH = 6;
  static final int CLASSES = 3;
  static final FeatureSpec SPEC = FeatureSpec.builder().features("features").label("label").numClasses(CLASSES).build();

  private Blobs() {}

  static Schema schema() {
    Field item = new Field("item", FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null);
    return new Schema(List.of(
        new Field("features", FieldType.notNullable(new ArrowType.FixedSizeList(WIDTH)), List.of(item)),
        Field.notNullable("label", new ArrowType.Int(32, true))));
  }

  /** {@code batches} roots of {@code rows} rows; the caller closes them. */
  static List<VectorSchemaRoot> roots(BufferAllocator allocator, int batches, int rows, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<VectorSchemaRoot> out = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      VectorSchemaRoot root = VectorSchemaRoot.create(schema(), allocator);
      root.allocateNew();
      FixedSizeListVector features = (FixedSizeListVector) root.getVector("features");
      Float4Vector values = (Float4Vector) features.getDataVector();
      IntVector labels = (IntVector) root.getVector("label");
      for (int r = 0; r < rows; r++) {
        int label = random.nextInt(CLASSES);
        features.setNotNull(r);
        for (int c = 0; c < WIDTH; c++) {
          double centre = c % CLASSES == label ? 1.5 : -0.5;
          values.setSafe(r * WIDTH + c, (float) (centre + random.nextGaussian()));
        }
        labels.setSafe(r, label);
      }
      values.setValueCount(rows * WIDTH);
      root.setRowCount(rows);
      out.add(root);
    }
    return out;
  }
}
