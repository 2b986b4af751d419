package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.arrow.FeatureSpec;
import io.solstice.arrow.ReadOptions;
import io.solstice.arrow.Split;
import io.solstice.arrow.TableFormat;
import io.solstice.arrow.TableSplit;
import io.solstice.core.testing.Python;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * scikit-learn's figure for the split {@code solstice train} makes: the test rows' accuracy of
 * {@code StandardScaler} + {@code LogisticRegression}, or R^2 of {@code StandardScaler} +
 * {@code LinearRegression}, fitted on the train rows. The split is made by the same
 * {@link TableSplit} with the same seed, fractions and stratification as the command, and its
 * rows are handed to python3 as CSV. Categorical columns go to a {@code
 * OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=..., max_categories=100)}
 * beside the scaler, in a {@code ColumnTransformer}: with no infrequent value, an unknown one is
 * all zeros, as with {@code handle_unknown="ignore"}.
 *
 * @param table the table file
 * @param read how to read it
 * @param features the numeric feature columns
 * @param categorical the categorical (string) feature columns
 * @param label the label or target column
 * @param classNames the class names of a plain string label, in the command's class order;
 *     empty for integer labels or regression
 * @param regression whether the target is real-valued
 * @param minFrequency the fewest train rows a categorical value must be in to be a category of
 *     its own, as {@code solstice train --min-frequency}
 */
record ScikitLearn(Path table, ReadOptions read, List<String> features, List<String> categorical, String label,
    List<String> classNames, boolean regression, long minFrequency) {

  /** Every categorical value a category. */
  ScikitLearn(Path table, ReadOptions read, List<String> features, List<String> categorical, String label,
      List<String> classNames, boolean regression) {
    this(table, read, features, categorical, label, classNames, regression, 1);
  }

  /** Numeric features only. */
  ScikitLearn(Path table, ReadOptions read, List<String> features, String label, List<String> classNames,
      boolean regression) {
    this(table, read, features, List.of(), label, classNames, regression);
  }

  // Each CSV row: the numeric features, then the categorical ones (strings), then the label.
  private static final String SCRIPT = String.join("\n",
      "import csv, sys, numpy as np",
      "from sklearn.compose import ColumnTransformer",
      "from sklearn.pipeline import make_pipeline",
      "from sklearn.preprocessing import OneHotEncoder, StandardScaler",
      "from sklearn.linear_model import LinearRegression, LogisticRegression",
      "categorical = int(sys.argv[5])",
      "min_frequency = int(sys.argv[6])",
      "def load(path):",
      "    rows = list(csv.reader(open(path)))",
      "    numeric = len(rows[0]) - 1 - categorical",
      "    x = np.array([[float(v) for v in r[:numeric]] + r[numeric:-1] for r in rows], dtype=object)",
      "    return x, np.array([float(r[-1]) for r in rows]), numeric",
      "train_x, train_y, numeric = load(sys.argv[2])",
      "test_x, test_y, _ = load(sys.argv[3])",
      "scaling = ColumnTransformer([('numbers', StandardScaler(), list(range(numeric))),",
      "    ('categories', OneHotEncoder(handle_unknown='infrequent_if_exist', min_frequency=min_frequency,",
      "        max_categories=100), list(range(numeric, numeric + categorical)))])",
      "if sys.argv[1] == 'regression':",
      "    model = make_pipeline(scaling, LinearRegression())",
      "    model.fit(train_x, train_y)",
      "    print(model.score(test_x, test_y))",
      "else:",
      "    weight = None if sys.argv[4] == 'none' else sys.argv[4]",
      "    model = make_pipeline(scaling, LogisticRegression(max_iter=10000, class_weight=weight))",
      "    model.fit(train_x, train_y.astype(int))",
      "    print(len(scaling.named_transformers_['categories'].get_feature_names_out()) if categorical else 0)",
      "    print(model.score(test_x, test_y.astype(int)))");

  /**
   * What scikit-learn scored, the split's row counts, and how many one-hot features its encoder
   * made (its infrequent category included; 0 without categorical columns, and for regression).
   */
  record Result(double score, Map<Split, Long> rows, int oneHotFeatures) {}

  /**
   * Splits the table as {@code solstice train --seed seed --val-fraction val --test-fraction
   * test} does and scores scikit-learn's model on it.
   *
   * @param val the validation fraction
   * @param test the test fraction
   * @param seed the seed
   * @param classWeight "none" or "balanced"
   * @param dir where the CSV files go
   * @return the test accuracy or R^2, and the rows of each split
   */
  Result score(double val, double test, long seed, String classWeight, Path dir) throws IOException {
    Python.assumeScikitLearn();
    BufferAllocator allocator = new RootAllocator();
    Map<Split, Long> rows = new EnumMap<>(Split.class);
    Path trainCsv = dir.resolve("sklearn-train.csv");
    Path testCsv = dir.resolve("sklearn-test.csv");
    try (TableSplit split = TableSplit.builder().validation(val).test(test).seed(seed)
        .stratifyBy(regression ? null : label)
        .plan(TableFormat.detect(table).read(table, allocator, read), allocator)) {
      FeatureSpec.Builder spec = FeatureSpec.builder().features(features.toArray(String[]::new))
          .featureType(DataType.DOUBLE);
      FeatureSpec specification = regression ? spec.target(label).labelType(DataType.DOUBLE).build()
          : classNames.isEmpty() ? spec.label(label).build() : spec.label(label).classNames(classNames).build();
      for (Split part : Split.values()) {
        rows.put(part, split.rows(part));
      }
      writeCsv(split, Split.TRAIN, specification, categorical, trainCsv);
      writeCsv(split, Split.TEST, specification, categorical, testCsv);
    } finally {
      allocator.close();
    }
    Python.Result result = Python.run(SCRIPT, regression ? "regression" : "classification", trainCsv.toString(),
        testCsv.toString(), classWeight, Integer.toString(categorical.size()), Long.toString(minFrequency));
    assertThat(result.exitCode()).as(result.output()).isZero();
    String[] lines = result.output().strip().split("\n");
    int oneHot = regression ? 0 : Integer.parseInt(lines[lines.length - 2].strip());
    return new Result(Double.parseDouble(lines[lines.length - 1]), rows, oneHot);
  }

  private static void writeCsv(TableSplit split, Split part, FeatureSpec spec, List<String> categorical, Path file)
      throws IOException {
    StringBuilder out = new StringBuilder();
    split.batches(part, 4096).doOnNext(batch -> {
      List<List<Object>> strings = categorical.stream().map(c -> {
        List<Object> values = new java.util.ArrayList<>();
        for (int r = 0; r < batch.rowCount(); r++) {
          values.add(batch.root().getVector(c).getObject(r));
        }
        return values;
      }).toList();
      try (var t = spec.toTensors(batch)) {
        double[][] x = t.features().toDoubleMatrix();
        double[] y = t.labels().castTo(DataType.DOUBLE).toDoubleVector();
        for (int r = 0; r < x.length; r++) {
          for (double value : x[r]) {
            out.append(String.format(Locale.ROOT, "%.17g,", value));
          }
          for (List<Object> column : strings) {
            out.append(column.get(r)).append(',');
          }
          out.append(String.format(Locale.ROOT, "%.17g%n", y[r]));
        }
      }
    }).blockLast();
    Files.writeString(file, out);
  }
}
