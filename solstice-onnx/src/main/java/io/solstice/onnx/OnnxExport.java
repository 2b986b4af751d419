package io.solstice.onnx;

import io.solstice.core.io.AtomicFiles;
import io.solstice.core.io.Json;
import io.solstice.core.models.MlpClassifier;
import io.solstice.core.models.MlpRegressor;
import io.solstice.onnx.internal.GraphBuilder;
import io.solstice.onnx.proto.OnnxProto.ModelProto;
import io.solstice.onnx.proto.OnnxProto.OperatorSetIdProto;
import io.solstice.onnx.proto.OnnxProto.StringStringEntryProto;
import io.solstice.onnx.proto.OnnxProto.TensorProto;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Exports a trained {@link MlpClassifier} or {@link MlpRegressor} as an ONNX model that ONNX
 * Runtime (and any runtime of ONNX opset {@value #OPSET}) loads, computing what the model's
 * {@code predict} computes:
 *
 * <pre>{@code
 * OnnxExport.classifier(model)
 *     .fillMissing(means)                                            // a NaN input becomes this
 *     .standardize(standardization.mean(), standardization.scale())  // as the training features were
 *     .classNames(List.of("setosa", "versicolor", "virginica"))
 *     .write(Path.of("model.onnx"));
 * }</pre>
 *
 * <p><b>The graph.</b> Input {@value #INPUT}: float32 [rows, inputs], the raw features in the
 * order the model was trained on. With {@link #fillMissing}, a NaN input (ONNX's missing value)
 * is replaced by its feature's fill value first, as {@code FeatureSpec.Builder.fillNulls} does
 * for a null. With a standardization, {@code (x - mean) / scale} is the
 * graph's first nodes (computed in float64, as Solstice's feature reading does, then cast to
 * float32), so a served model takes the same raw features as the training table. Then each
 * dense layer ({@code MatMul}, {@code Add}, {@code Relu} between layers). A classifier's outputs
 * are {@value #PROBABILITIES} (float32 [rows, classes], the softmax) and {@value #LABEL} (int64
 * [rows], the arg-max class index); a regressor's is {@value #PREDICTIONS} (float32 [rows,
 * outputs], in the target's units: the output times the target scale plus the target mean, in
 * float64 before the cast, as {@link MlpRegressor#predict} does).
 *
 * <p><b>Metadata</b> ({@code metadata_props}): {@value #MODEL_KEY} (the model class),
 * {@value #CLASS_NAMES_KEY} (a JSON array of class names by index) and {@value
 * #FEATURE_NAMES_KEY} (a JSON array of the feature columns) when given, and anything added with
 * {@link #metadata}. Dropout is not part of the graph (prediction does not drop units).
 *
 * <p>The protocol-buffer classes are generated at build time from the official {@code
 * onnx.proto}. Not thread-safe: configure and write from one thread; the model must not train
 * meanwhile.
 */
public final class OnnxExport {
  /** The ONNX operator set the graph uses. */
  public static final int OPSET = 17;

  /** The ONNX IR version of the model (the one of opset 17). */
  public static final int IR_VERSION = 8;

  /** The {@code ai.onnx.ml} operator set a model with categorical columns imports. */
  public static final int ML_OPSET = 1;

  /** The graph input: raw features, float32 [rows, inputs]. */
  public static final String INPUT = "features";

  /** A classifier's output of class probabilities, float32 [rows, classes]. */
  public static final String PROBABILITIES = "probabilities";

  /** A classifier's output of the most probable class index, int64 [rows]. */
  public static final String LABEL = "label";

  /** A regressor's output, float32 [rows, outputs], in the target's units. */
  public static final String PREDICTIONS = "predictions";

  /** Metadata key of the exported model's class name. */
  public static final String MODEL_KEY = "solstice.model";

  /** Metadata key of the class names, a JSON array in class-index order. */
  public static final String CLASS_NAMES_KEY = "solstice.class_names";

  /** Metadata key of the feature column names, a JSON array in input order. */
  public static final String FEATURE_NAMES_KEY = "solstice.feature_names";

  /**
   * The name of the string input of a model with categorical columns ({@link #oneHot}): one
   * column per categorical feature column, in their order.
   */
  public static final String CATEGORIES = "categories";

  /** Metadata key of the categorical columns' categories, a JSON object of string arrays. */
  public static final String CATEGORIES_KEY = "solstice.categories";

  /**
   * Metadata key of the categorical columns that have an other category (a JSON array of names),
   * present only when one has.
   */
  public static final String OTHER_CATEGORY_KEY = "solstice.other_category";


  private final String kind;
  private final int[] sizes;
  private final float[][] weights;
  private final float[][] biases;
  private final double[] targetMean;
  private final double[] targetScale;
  private final Map<String, String> metadata = new LinkedHashMap<>();
  private double[] fill;
  private double[] mean;
  private double[] scale;
  private List<String> classNames;
  // The feature columns in input order, and the categories of the categorical ones; null: none.
  private List<String> columns;
  private Map<String, List<String>> categories;
  private Set<String> otherCategory = Set.of();

  private OnnxExport(String kind, int[] sizes, float[][] weights, float[][] biases, double[] targetMean,
      double[] targetScale) {
    this.kind = kind;
    this.sizes = sizes;
    this.weights = weights;
    this.biases = biases;
    this.targetMean = targetMean;
    this.targetScale = targetScale;
  }

  /**
   * An export of a classifier (its parameters are copied now).
   *
   * @param model the trained model
   * @return the export, to configure and write
   */
  public static OnnxExport classifier(MlpClassifier model) {
    Objects.requireNonNull(model, "model");
    int[] sizes = model.layerSizes();
    return new OnnxExport("MlpClassifier", sizes, weightsOf(sizes, model::weights), weightsOf(sizes, model::biases),
        null, null);
  }

  /**
   * An export of a regressor (its parameters and target scaling are copied now).
   *
   * @param model the trained model
   * @return the export, to configure and write
   */
  public static OnnxExport regressor(MlpRegressor model) {
    Objects.requireNonNull(model, "model");
    int[] sizes = model.layerSizes();
    return new OnnxExport("MlpRegressor", sizes, weightsOf(sizes, model::weights), weightsOf(sizes, model::biases),
        model.targetMean(), model.targetScale());
  }

  /**
   * Standardizes the raw input features in the graph, {@code (x - mean) / scale}, as the model's
   * training features were.
   *
   * @param mean one mean per input feature
   * @param scale one positive scale per input feature
   * @return this export
   */
  public OnnxExport standardize(double[] mean, double[] scale) {
    if (mean.length != sizes[0] || scale.length != sizes[0]) {
      throw new IllegalArgumentException("the model has " + sizes[0] + " inputs but the standardization has "
          + mean.length + " means and " + scale.length + " scales");
    }
    for (double s : scale) {
      if (!(s > 0) || !Double.isFinite(s)) {
        throw new IllegalArgumentException("standardization scales must be positive and finite, got "
            + Arrays.toString(scale));
      }
    }
    this.mean = mean.clone();
    this.scale = scale.clone();
    return this;
  }

  /**
   * Replaces a missing input (NaN) by its feature's value before anything else, as the
   * model's training features had their nulls filled.
   *
   * @param values one value for every input feature, or one per input feature
   * @return this export
   */
  public OnnxExport fillMissing(double... values) {
    if (values.length != 1 && values.length != sizes[0]) {
      throw new IllegalArgumentException("the model has " + sizes[0] + " inputs but " + values.length
          + " fill values were given");
    }
    fill = new double[sizes[0]];
    for (int f = 0; f < fill.length; f++) {
      fill[f] = values[values.length == 1 ? 0 : f];
      if (!Double.isFinite(fill[f])) {
        throw new IllegalArgumentException("fill values must be finite, got " + Arrays.toString(values));
      }
    }
    return this;
  }

  /**
   * One-hot encodes categorical columns in the graph, as training did. The model then has two
   * inputs: {@value #INPUT}, float32 [rows, numeric columns], the numeric columns in their order
   * (absent when every column is categorical), and {@value #CATEGORIES}, string [rows,
   * categorical columns], the categorical columns in their order. Each categorical column becomes
   * one input feature per category, in its place among the columns; a string that is not one of
   * its categories (a new value, or an empty string for a missing one) becomes zeros. Fill values
   * and the standardization count these features like any other. The categories are recorded
   * as metadata under {@value #CATEGORIES_KEY}.
   *
   * @param columns every feature column, in the order of the model's inputs
   * @param categories the categorical columns' categories, in one-hot order
   * @return this export
   * @throws IllegalArgumentException when the columns do not make the model's inputs
   */
  public OnnxExport oneHot(List<String> columns, Map<String, List<String>> categories) {
    return oneHot(columns, categories, Set.of());
  }

  /**
   * One-hot encodes categorical columns as {@link #oneHot(List, Map)} does, where some columns
   * also have an other category (as {@code FeatureSpec.Builder.otherCategory} gives in training):
   * one more input feature after their categories, 1 for a string that is neither empty nor one
   * of the categories. Those columns are recorded as metadata under {@value #OTHER_CATEGORY_KEY}.
   *
   * @param columns every feature column, in the order of the model's inputs
   * @param categories the categorical columns' categories, in one-hot order
   * @param otherCategory the categorical columns with an other category
   * @return this export
   * @throws IllegalArgumentException when the columns do not make the model's inputs, or an
   *     other category is asked for a column without categories or with an empty one
   */
  public OnnxExport oneHot(List<String> columns, Map<String, List<String>> categories, Set<String> otherCategory) {
    for (String column : otherCategory) {
      if (!categories.containsKey(column) || categories.get(column).contains("")) {
        throw new IllegalArgumentException("an other category needs the column's categories, none of them empty: '"
            + column + "' has " + categories.get(column));
      }
    }
    int inputs = 0;
    for (String column : columns) {
      inputs += categories.containsKey(column)
          ? categories.get(column).size() + (otherCategory.contains(column) ? 1 : 0) : 1;
    }
    if (!columns.containsAll(categories.keySet()) || categories.isEmpty() || inputs != sizes[0]) {
      throw new IllegalArgumentException("the model has " + sizes[0] + " inputs but the columns " + columns
          + " with categories " + categories
          + (otherCategory.isEmpty() ? "" : " and an other category for " + otherCategory) + " make " + inputs);
    }
    this.columns = List.copyOf(columns);
    Map<String, List<String>> copy = new LinkedHashMap<>();
    categories.forEach((column, values) -> copy.put(column, List.copyOf(values)));
    this.categories = copy;
    this.otherCategory = Set.copyOf(otherCategory);
    if (!otherCategory.isEmpty()) {
      metadata(OTHER_CATEGORY_KEY, json(columns.stream().filter(otherCategory::contains).toList()));
    }
    return metadata(CATEGORIES_KEY, Json.writeLine(copy));
  }

  /**
   * Names the classes (recorded as metadata under {@value #CLASS_NAMES_KEY}).
   *
   * @param names one name per class, by class index
   * @return this export
   */
  public OnnxExport classNames(List<String> names) {
    if (targetMean != null) {
      throw new IllegalStateException("a regressor has no classes");
    }
    if (names.size() != outputs()) {
      throw new IllegalArgumentException("the model has " + outputs() + " classes but " + names.size()
          + " names were given: " + names);
    }
    this.classNames = List.copyOf(names);
    return metadata(CLASS_NAMES_KEY, json(classNames));
  }

  /**
   * Names the input features (recorded as metadata under {@value #FEATURE_NAMES_KEY}).
   *
   * @param names the feature columns, in input order (one vector column, or one per input)
   * @return this export
   */
  public OnnxExport featureNames(List<String> names) {
    return metadata(FEATURE_NAMES_KEY, json(List.copyOf(names)));
  }

  /**
   * Adds a metadata entry.
   *
   * @param key the key
   * @param value the value
   * @return this export
   */
  public OnnxExport metadata(String key, String value) {
    metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    return this;
  }

  /**
   * The ONNX model.
   *
   * @return the serialized {@code ModelProto}
   */
  public byte[] toByteArray() {
    return model().toByteArray();
  }

  /**
   * Writes the ONNX model, whole or not at all (a temporary file renamed into place).
   *
   * @param file the {@code .onnx} file
   * @throws IOException when it cannot be written
   */
  public void write(Path file) throws IOException {
    byte[] bytes = toByteArray();
    AtomicFiles.write(file, out -> out.write(bytes));
  }

  private ModelProto model() {
    GraphBuilder graph = new GraphBuilder("solstice_" + kind);
    String x;
    if (categories == null) {
      graph.input(INPUT, TensorProto.DataType.FLOAT, sizes[0]);
      x = INPUT;
    } else {
      x = oneHotInputs(graph);
    }
    if (mean != null) {
      x = graph.node("Cast", "standardize/input", new Object[] {"to", TensorProto.DataType.DOUBLE.getNumber()}, x);
    }
    if (fill != null) {
      // In double precision when standardizing, as the training features were filled: the fill
      // value itself, not its float32 rounding, is standardized.
      String values = mean != null ? graph.doubles("fill/value", fill, sizes[0])
          : graph.floats("fill/value", toFloats(fill), sizes[0]);
      x = graph.node("Where", "fill/filled", graph.node("IsNaN", "fill/missing", x), values, x);
    }
    if (mean != null) {
      x = graph.node("Sub", "standardize/centred", x, graph.doubles("standardize/mean", mean, sizes[0]));
      x = graph.node("Div", "standardize/scaled", x, graph.doubles("standardize/scale", scale, sizes[0]));
      x = graph.node("Cast", "standardize/output", new Object[] {"to", TensorProto.DataType.FLOAT.getNumber()}, x);
    }
    int layers = sizes.length - 1;
    for (int l = 0; l < layers; l++) {
      String w = graph.floats("layer" + l + "/W", weights[l], sizes[l], sizes[l + 1]);
      String b = graph.floats("layer" + l + "/b", biases[l], sizes[l + 1]);
      x = graph.node("MatMul", "layer" + l + "/product", x, w);
      x = graph.node("Add", "layer" + l + "/output", x, b);
      if (l < layers - 1) {
        x = graph.node("Relu", "layer" + l + "/relu", x);
      }
    }
    if (targetMean == null) {
      graph.node("Softmax", PROBABILITIES, new Object[] {"axis", 1}, x);
      graph.node("ArgMax", LABEL, new Object[] {"axis", 1, "keepdims", 0}, PROBABILITIES);
      graph.output(PROBABILITIES, TensorProto.DataType.FLOAT, outputs());
      graph.output(LABEL, TensorProto.DataType.INT64, 0);
    } else {
      x = graph.node("Cast", "target/standardized", new Object[] {"to", TensorProto.DataType.DOUBLE.getNumber()}, x);
      x = graph.node("Mul", "target/scaled", x, graph.doubles("target/scale", targetScale, outputs()));
      x = graph.node("Add", "target/value", x, graph.doubles("target/mean", targetMean, outputs()));
      graph.node("Cast", PREDICTIONS, new Object[] {"to", TensorProto.DataType.FLOAT.getNumber()}, x);
      graph.output(PREDICTIONS, TensorProto.DataType.FLOAT, outputs());
    }
    ModelProto.Builder model = ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setProducerName("solstice")
        .setDocString("A Solstice " + kind + " with layer sizes " + Arrays.toString(sizes)
            + (categories == null ? "" : ", one-hot encoding " + categories.keySet())
            + (fill == null ? "" : ", filling missing inputs") + (mean == null ? "" : ", standardizing its inputs"))
        .setGraph(graph.build());
    if (graph.usesMlDomain()) {
      model.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(GraphBuilder.ML_DOMAIN).setVersion(ML_OPSET));
    }
    Map<String, String> props = new LinkedHashMap<>();
    props.put(MODEL_KEY, kind);
    props.putAll(metadata);
    props.forEach((key, value) -> model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(key)
        .setValue(value)));
    return model.build();
  }

  /**
   * The float32 [rows, inputs] matrix the layers take, from the numeric and the string input:
   * each run of numeric columns gathered from {@value #INPUT}, each categorical column gathered
   * from {@value #CATEGORIES} and one-hot encoded ({@code OneHotEncoder} with {@code zeros=1}:
   * an unknown string is all zeros), concatenated in the columns' order. A column with an other
   * category is encoded with the empty string as one more category, and its other feature is 1
   * less the sum of that encoding: 1 only for a string that is neither a category nor empty.
   */
  private String oneHotInputs(GraphBuilder graph) {
    long numeric = columns.stream().filter(c -> !categories.containsKey(c)).count();
    if (numeric > 0) {
      graph.input(INPUT, TensorProto.DataType.FLOAT, numeric);
    }
    graph.input(CATEGORIES, TensorProto.DataType.STRING, categories.size());
    List<String> pieces = new ArrayList<>();
    List<Long> run = new ArrayList<>();
    long numericColumn = 0;
    long categoricalColumn = 0;
    for (int c = 0; c <= columns.size(); c++) {
      String column = c < columns.size() ? columns.get(c) : null;
      if (column != null && !categories.containsKey(column)) {
        run.add(numericColumn++);
        continue;
      }
      if (!run.isEmpty()) {
        long[] indices = run.stream().mapToLong(Long::longValue).toArray();
        pieces.add(graph.node("Gather", "input/numeric" + c, new Object[] {"axis", 1}, INPUT,
            graph.longs("input/numeric" + c + "/columns", indices, indices.length)));
        run.clear();
      }
      if (column == null) {
        break;
      }
      List<String> values = categories.get(column);
      boolean other = otherCategory.contains(column);
      List<String> encodedValues = new ArrayList<>(values);
      if (other) {
        encodedValues.add("");
      }
      String strings = graph.node("Gather", "input/categorical" + c, new Object[] {"axis", 1}, CATEGORIES,
          graph.longs("input/categorical" + c + "/column", new long[] {categoricalColumn++}, 1));
      String encoded = graph.mlNode("OneHotEncoder", "input/one_hot" + c, new Object[] {"cats_strings",
          encodedValues, "zeros", 1}, strings);
      String rows = graph.node("Reshape", "input/one_hot" + c + "/rows", encoded,
          graph.longs("input/one_hot" + c + "/shape", new long[] {-1, encodedValues.size()}, 2));
      if (!other) {
        pieces.add(rows);
        continue;
      }
      long[] categoryColumns = new long[values.size()];
      Arrays.setAll(categoryColumns, i -> i);
      pieces.add(graph.node("Gather", "input/one_hot" + c + "/categories", new Object[] {"axis", 1}, rows,
          graph.longs("input/one_hot" + c + "/category_columns", categoryColumns, categoryColumns.length)));
      String known = graph.node("ReduceSum", "input/one_hot" + c + "/known", new Object[] {"keepdims", 1}, rows,
          graph.longs("input/one_hot" + c + "/axes", new long[] {1}, 1));
      pieces.add(graph.node("Sub", "input/one_hot" + c + "/other",
          graph.floats("input/one_hot" + c + "/one", new float[] {1}, 1), known));
    }
    return pieces.size() == 1 ? pieces.get(0)
        : graph.node("Concat", "input/features", new Object[] {"axis", 1}, pieces.toArray(String[]::new));
  }

  private int outputs() {
    return sizes[sizes.length - 1];
  }

  private static float[][] weightsOf(int[] sizes, java.util.function.IntFunction<INDArray> layer) {
    float[][] out = new float[sizes.length - 1][];
    for (int l = 0; l < out.length; l++) {
      INDArray source = layer.apply(l);
      // One float copy in row-major order, whatever the parameter's type and order: freed here
      // rather than left to the garbage collector (a model's weights may be large).
      try (INDArray values = Nd4j.createUninitialized(DataType.FLOAT, source.shape(), 'c')) {
        values.assign(source);
        out[l] = values.data().asFloat();
      }
    }
    return out;
  }

  private static float[] toFloats(double[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }

  private static String json(List<String> values) {
    return Json.writeLine(values);
  }
}
