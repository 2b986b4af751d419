package io.solstice.examples;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ReadOptions;
import io.solstice.arrow.TableFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;

/** A prediction file read back whole, column by column, as Java values (for assertions). */
record PredictionOutput(Map<String, List<Object>> columns) {

  static PredictionOutput read(Path file) {
    Map<String, List<Object>> columns = new LinkedHashMap<>();
    try (BufferAllocator allocator = new RootAllocator()) {
      TableFormat.detect(file).read(file, allocator, ReadOptions.builder().build()).doOnNext(batch -> {
        try (ArrowBatch b = batch) {
          for (FieldVector vector : b.root().getFieldVectors()) {
            List<Object> values = columns.computeIfAbsent(vector.getName(), k -> new ArrayList<>());
            for (int r = 0; r < b.rowCount(); r++) {
              Object value = vector.getObject(r);
              values.add(value instanceof org.apache.arrow.vector.util.Text text ? text.toString() : value);
            }
          }
        }
      }).blockLast();
    }
    return new PredictionOutput(columns);
  }

  List<Object> column(String name) {
    List<Object> values = columns.get(name);
    if (values == null) {
      throw new AssertionError("no column " + name + " among " + columns.keySet());
    }
    return values;
  }

  int rows() {
    return columns.values().iterator().next().size();
  }

  /** The probabilities as float32 rows. */
  float[][] probabilities() {
    List<Object> lists = column("probabilities");
    float[][] out = new float[lists.size()][];
    for (int r = 0; r < out.length; r++) {
      List<?> row = (List<?>) lists.get(r);
      out[r] = new float[row.size()];
      for (int k = 0; k < row.size(); k++) {
        out[r][k] = ((Number) row.get(k)).floatValue();
      }
    }
    return out;
  }
}
