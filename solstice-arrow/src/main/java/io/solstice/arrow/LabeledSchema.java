package io.solstice.arrow;

import java.util.List;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The layout of the labelled rows Solstice writes itself (the digits files, the synthetic and
 * drifting streams): a {@code FixedSizeList<Float32>} column {@value #FEATURES}, which {@link
 * FeatureSpec} turns into a feature matrix without a copy, and an Int32 class column {@value
 * #LABEL}.
 */
public final class LabeledSchema {

  /** The feature column. */
  public static final String FEATURES = "features";

  /** The label column. */
  public static final String LABEL = "label";

  private LabeledSchema() {}

  /**
   * The schema for rows of {@code width} features.
   *
   * @param width features per row
   * @return features and label
   */
  public static Schema of(int width) {
    Field element = new Field(
        "item", FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null);
    Field features =
        new Field(FEATURES, FieldType.notNullable(new ArrowType.FixedSizeList(width)), List.of(element));
    Field label = new Field(LABEL, FieldType.notNullable(new ArrowType.Int(32, true)), null);
    return new Schema(List.of(features, label));
  }
}
