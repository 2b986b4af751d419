package io.solstice.spark.internal;

import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.ReadOptions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.Row;
import reactor.core.publisher.Flux;

/**
 * Turns a partition of Spark rows into Arrow record batches: each feature column becomes a
 * FLOAT32 vector and the label column an INT64 vector, {@code batchSize} rows per batch. The
 * batches stay in the task's allocator until the shard is closed, so a round can read them
 * several times. Spark's own Arrow conversion is internal to Spark SQL, hence this one.
 *
 * <p>Thread safety: thread-safe; it keeps only its column names and batch size.
 */
public final class RowShardOpener implements ShardOpener<Row> {
  private static final long serialVersionUID = 1L;

  /** The Arrow name of the label column, whatever its name in Spark. */
  public static final String LABEL = "label";

  private final List<String> featureColumns;
  private final String labelColumn;
  private final int batchSize;

  /**
   * An opener.
   *
   * @param featureColumns numeric feature columns, in order
   * @param labelColumn the integer class column
   * @param batchSize rows per batch
   */
  public RowShardOpener(List<String> featureColumns, String labelColumn, int batchSize) {
    this.featureColumns = List.copyOf(featureColumns);
    this.labelColumn = labelColumn;
    this.batchSize = batchSize;
  }

  @Override
  public OpenShard open(Iterator<Row> rows, BufferAllocator allocator) {
    List<VectorSchemaRoot> roots = new ArrayList<>();
    try {
      while (rows.hasNext()) {
        roots.add(nextBatch(rows, allocator));
      }
    } catch (RuntimeException e) {
      roots.forEach(VectorSchemaRoot::close);
      throw e;
    }
    return new OpenShard() {
      @Override
      public Flux<ShardBatch> batches(long fragment, long batch) {
        ReadOptions options =
            ReadOptions.builder().startAt(new BatchPosition("rows", 0, batch)).build();
        return ArrowSources.roots("rows", roots, null, allocator, options)
            .map(b -> new ShardBatch(0, b.position().batch(), b));
      }

      @Override
      public void close() {
        roots.forEach(VectorSchemaRoot::close);
      }
    };
  }

  private Schema schema() {
    List<Field> fields = new ArrayList<>();
    FieldType float32 = FieldType.notNullable(
        new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE));
    for (String column : featureColumns) {
      fields.add(new Field(column, float32, null));
    }
    fields.add(new Field(LABEL, FieldType.notNullable(new ArrowType.Int(64, true)), null));
    return new Schema(fields);
  }

  private VectorSchemaRoot nextBatch(Iterator<Row> rows, BufferAllocator allocator) {
    VectorSchemaRoot root = VectorSchemaRoot.create(schema(), allocator);
    try {
      List<FieldVector> vectors = root.getFieldVectors();
      vectors.forEach(v -> v.setInitialCapacity(batchSize));
      root.allocateNew();
      BigIntVector labels = (BigIntVector) vectors.get(featureColumns.size());
      int count = 0;
      while (count < batchSize && rows.hasNext()) {
        Row row = rows.next();
        for (int c = 0; c < featureColumns.size(); c++) {
          Object value = row.getAs(featureColumns.get(c));
          if (!(value instanceof Number number)) {
            throw new IllegalArgumentException(
                "feature column '" + featureColumns.get(c) + "' holds " + value
                    + "; Spark training needs non-null numeric feature columns");
          }
          ((Float4Vector) vectors.get(c)).setSafe(count, number.floatValue());
        }
        Object label = row.getAs(labelColumn);
        // A class index: a fraction (a JSON source reads every number as a double) would be
        // truncated into another class, so it is refused like a missing label.
        if (!(label instanceof Number number) || number.doubleValue() != Math.rint(number.doubleValue())) {
          throw new IllegalArgumentException(
              "label column '" + labelColumn + "' holds " + label
                  + "; Spark training needs a non-null integer label column");
        }
        labels.setSafe(count, number.longValue());
        count++;
      }
      root.setRowCount(count);
      return root;
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }
}
