package io.solstice.examples;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Tables made the way users' first tables look, not the way benchmark data does: rows stored
 * sorted by class, features on scales from 0.1 to 1,000 (10^4 apart), an imbalanced class, a
 * noisy continuous target. Each is generated from a seed, so a test can reproduce it.
 *
 * @param columns the feature column names
 * @param features the rows' features
 * @param labels the rows' class names, or null for a regression table
 * @param targets the rows' targets, or null for a classification table
 */
record RealisticTables(List<String> columns, double[][] features, String[] labels, double[] targets) {

  /** Feature scales 0.1, 1, 10, 100, 1000: five features, 10^4 apart. */
  private static final double[] SCALES = {0.1, 1, 10, 100, 1000};

  /**
   * Classes with overlapping Gaussian clusters, sorted by class: {@code rowsPerClass[k]} rows of
   * class {@code names[k]}, class after class.
   */
  static RealisticTables sortedClasses(long seed, List<String> names, int[] rowsPerClass, double noise) {
    Random random = new Random(seed);
    double[][] centres = new double[names.size()][SCALES.length];
    for (double[] centre : centres) {
      for (int j = 0; j < SCALES.length; j++) {
        centre[j] = random.nextGaussian();
      }
    }
    List<double[]> rows = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    for (int k = 0; k < names.size(); k++) {
      for (int i = 0; i < rowsPerClass[k]; i++) {
        double[] row = new double[SCALES.length];
        for (int j = 0; j < SCALES.length; j++) {
          // Scaled features, offset so that none is centred at zero already.
          row[j] = SCALES[j] * (3 + centres[k][j] + noise * random.nextGaussian());
        }
        rows.add(row);
        labels.add(names.get(k));
      }
    }
    return new RealisticTables(columnNames(), rows.toArray(double[][]::new), labels.toArray(String[]::new), null);
  }

  /** A target around 150 that depends linearly on scaled features, with Gaussian noise. */
  static RealisticTables noisyTarget(long seed, int rows, double noise) {
    Random random = new Random(seed);
    double[] weights = {12, -7, 4, 9, -3};
    double[][] features = new double[rows][SCALES.length];
    double[] targets = new double[rows];
    for (int r = 0; r < rows; r++) {
      targets[r] = 150 + noise * random.nextGaussian();
      for (int j = 0; j < SCALES.length; j++) {
        double z = random.nextGaussian();
        features[r][j] = SCALES[j] * (2 + z);
        targets[r] += weights[j] * z;
      }
    }
    return new RealisticTables(columnNames(), features, null, targets);
  }

  private static List<String> columnNames() {
    List<String> names = new ArrayList<>();
    for (double scale : SCALES) {
      names.add(String.format(Locale.ROOT, "scale_%s", scale >= 1 ? Long.toString((long) scale) : "0_1"));
    }
    return names;
  }

  /** The label or target column's name. */
  String labelColumn() {
    return labels != null ? "label" : "target";
  }

  /** Writes the table as an Arrow IPC file: Float64 features and a Utf8 label or Float64 target. */
  Path writeIpc(Path file, BufferAllocator allocator) throws IOException {
    List<Field> fields = new ArrayList<>();
    FieldType float64 = FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
    columns.forEach(c -> fields.add(new Field(c, float64, null)));
    fields.add(new Field(labelColumn(), labels != null ? FieldType.notNullable(new ArrowType.Utf8()) : float64, null));
    int batchRows = 256;
    try (VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(fields), allocator);
         FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
             StandardOpenOption.TRUNCATE_EXISTING);
         ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
      writer.start();
      for (int start = 0; start < features.length; start += batchRows) {
        int n = Math.min(batchRows, features.length - start);
        root.allocateNew();
        for (int r = 0; r < n; r++) {
          for (int j = 0; j < columns.size(); j++) {
            ((Float8Vector) root.getVector(j)).setSafe(r, features[start + r][j]);
          }
          if (labels != null) {
            ((VarCharVector) root.getVector(columns.size())).setSafe(r,
                labels[start + r].getBytes(StandardCharsets.UTF_8));
          } else {
            ((Float8Vector) root.getVector(columns.size())).setSafe(r, targets[start + r]);
          }
        }
        root.setRowCount(n);
        writer.writeBatch();
      }
      writer.end();
    }
    return file;
  }

  /** Writes the table as CSV with a header row. */
  Path writeCsv(Path file) throws IOException {
    StringBuilder out = new StringBuilder(String.join(",", columns)).append(',').append(labelColumn()).append('\n');
    for (int r = 0; r < features.length; r++) {
      for (double value : features[r]) {
        out.append(value).append(',');
      }
      out.append(labels != null ? labels[r] : Double.toString(targets[r])).append('\n');
    }
    return Files.writeString(file, out);
  }
}
