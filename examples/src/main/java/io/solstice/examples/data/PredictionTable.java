package io.solstice.examples.data;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowFlux;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.NullVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryEncoder;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The table {@code solstice predict} writes, made from the batches {@link ArrowFlux#predict}
 * produces: the input's key columns (every column but the features; dictionary-encoded ones
 * decoded to their values, so that every format can hold them), then {@value #PREDICTION} (the
 * predicted class by name, or the predicted value of a regressor, float32) and, for a
 * classifier, {@value #PROBABILITIES} (one float32 per class, in class-index order).
 *
 * <p>Not thread-safe.
 */
public final class PredictionTable {
  /** The column of the predicted class name (classification) or value (regression). */
  public static final String PREDICTION = "prediction";

  /** The column of the class probabilities ({@code FixedSizeList<Float32>}, classification only). */
  public static final String PROBABILITIES = "probabilities";

  private final List<String> keys;
  private final byte[][] classNames;
  private final Schema schema;

  private PredictionTable(List<String> keys, byte[][] classNames, Schema schema) {
    this.keys = keys;
    this.classNames = classNames;
    this.schema = schema;
  }

  /**
   * The table for predictions shaped like {@code first}.
   *
   * @param first a batch {@link ArrowFlux#predict} produced
   * @param features the feature columns (left out)
   * @param classes the class names by index, or empty for a regressor
   * @return the table
   */
  public static PredictionTable of(ArrowBatch first, List<String> features, List<String> classes) {
    List<String> keys = new ArrayList<>();
    List<Field> fields = new ArrayList<>();
    for (Field field : first.schema().getFields()) {
      String name = field.getName();
      if (features.contains(name) || List.of(ArrowFlux.PREDICTION, ArrowFlux.PROBABILITIES, ArrowFlux.MODEL_VERSION)
          .contains(name)) {
        continue;
      }
      keys.add(name);
      if (field.getDictionary() == null) {
        fields.add(field);
      } else {
        Field values = first.lookup(field.getDictionary().getId()).getVector().getField();
        fields.add(new Field(name, new FieldType(field.isNullable(), values.getType(), null, field.getMetadata()),
            values.getChildren()));
      }
    }
    byte[][] names = new byte[classes.size()][];
    for (int k = 0; k < names.length; k++) {
      names[k] = classes.get(k).getBytes(StandardCharsets.UTF_8);
    }
    if (classes.isEmpty()) {
      fields.add(Field.notNullable(PREDICTION, new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)));
    } else {
      fields.add(Field.notNullable(PREDICTION, new ArrowType.Utf8()));
      fields.add(renamed(first.schema().findField(ArrowFlux.PROBABILITIES), PROBABILITIES));
    }
    return new PredictionTable(List.copyOf(keys), names, new Schema(fields));
  }

  /**
   * The output schema.
   *
   * @return it
   */
  public Schema schema() {
    return schema;
  }

  /**
   * Replaces the rows of {@code into} (a root of {@link #schema()}) with the predictions of one
   * batch. The batch stays the caller's.
   *
   * @param predicted a batch {@link ArrowFlux#predict} produced, shaped like the first
   * @param into the root to fill
   */
  public void fill(ArrowBatch predicted, VectorSchemaRoot into) {
    VectorSchemaRoot in = predicted.root();
    int rows = in.getRowCount();
    List<FieldVector> decoded = new ArrayList<>();
    try {
      // Copied, not shared: a writer may hold the rows after the batch (and the allocator of its
      // source) is gone.
      for (String key : keys) {
        FieldVector vector = in.getVector(key);
        if (vector.getField().getDictionary() != null) {
          Dictionary dictionary = predicted.lookup(vector.getField().getDictionary().getId());
          vector = (FieldVector) DictionaryEncoder.decode(vector, dictionary);
          decoded.add(vector);
        }
        copy(vector, into.getVector(key), rows);
      }
      FixedSizeListVector scores = (FixedSizeListVector) in.getVector(ArrowFlux.PROBABILITIES);
      if (classNames.length > 0) {
        copy(scores, into.getVector(PROBABILITIES), rows);
      }
      if (classNames.length > 0) {
        IntVector classes = (IntVector) in.getVector(ArrowFlux.PREDICTION);
        VarCharVector names = (VarCharVector) into.getVector(PREDICTION);
        names.allocateNew(rows);
        for (int r = 0; r < rows; r++) {
          names.setSafe(r, classNames[classes.get(r)]);
        }
        names.setValueCount(rows);
      } else {
        Float4Vector values = (Float4Vector) scores.getDataVector();
        int outputs = scores.getListSize();
        Float4Vector prediction = (Float4Vector) into.getVector(PREDICTION);
        prediction.allocateNew(rows);
        for (int r = 0; r < rows; r++) {
          prediction.set(r, values.get(r * outputs));
        }
        prediction.setValueCount(rows);
      }
      into.setRowCount(rows);
    } finally {
      decoded.forEach(FieldVector::close);
    }
  }

  /**
   * The header of the CSV form: the key columns, {@value #PREDICTION}, and for a classifier one
   * {@code probability_<class>} column per class (CSV has no list cells).
   *
   * @return the column names
   */
  public List<String> csvHeader() {
    List<String> header = new ArrayList<>(keys);
    header.add(PREDICTION);
    for (byte[] name : classNames) {
      header.add("probability_" + new String(name, StandardCharsets.UTF_8));
    }
    return header;
  }

  /**
   * One row of the CSV form, from a root {@link #fill} filled.
   *
   * @param filled the root
   * @param row the row
   * @return its cells, in {@link #csvHeader()} order; a null is an empty cell
   */
  public List<String> csvCells(VectorSchemaRoot filled, int row) {
    List<String> cells = new ArrayList<>(keys.size() + 1 + classNames.length);
    for (String key : keys) {
      cells.add(cell(filled.getVector(key).getObject(row)));
    }
    cells.add(cell(filled.getVector(PREDICTION).getObject(row)));
    if (classNames.length > 0) {
      FixedSizeListVector scores = (FixedSizeListVector) filled.getVector(PROBABILITIES);
      Float4Vector values = (Float4Vector) scores.getDataVector();
      for (int k = 0; k < classNames.length; k++) {
        cells.add(Float.toString(values.get(row * classNames.length + k)));
      }
    }
    return cells;
  }

  /** A value as CSV text: numbers as Java prints them (they parse back exactly), bytes in Base64. */
  private static String cell(Object value) {
    if (value == null) {
      return "";
    }
    return value instanceof byte[] bytes ? Base64.getEncoder().encodeToString(bytes) : value.toString();
  }

  private static void copy(FieldVector from, FieldVector to, int rows) {
    to.clear();
    to.allocateNew();
    // A column of the null type holds no values to copy (Arrow's copyFromSafe refuses it).
    for (int r = 0; r < rows && !(to instanceof NullVector); r++) {
      to.copyFromSafe(r, r, from);
    }
    to.setValueCount(rows);
  }

  private static Field renamed(Field field, String name) {
    return new Field(name, field.getFieldType(), field.getChildren());
  }
}
