package io.solstice.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.FeatureMoments;
import io.solstice.core.models.MlpClassifier;
import io.solstice.core.models.MlpRegressor;
import io.solstice.onnx.proto.OnnxProto.ModelProto;
import io.solstice.onnx.proto.OnnxProto.NodeProto;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The exported graphs compute what Solstice computes: ONNX Runtime, fed the raw features, gives
 * the probabilities (or predictions) Solstice gives for the same rows after its own
 * standardization, within float32 rounding.
 */
class OnnxExportTest {
  private static final int ROWS = 1_000;
  private static final int FEATURES = 5;
  private static final int BATCH = 100;
  private static final int STEPS = 200;
  /** Features on scales from 0.1 to 1,000 around offsets, so that standardization matters. */
  private static final double[] SCALES = {0.1, 1, 10, 100, 1_000};
  private static final double[] OFFSETS = {5, -3, 50, 1_000, -20_000};

  @TempDir Path dir;

  @Test
  void aStandardizedClassifierGivesTheSameProbabilitiesInOnnxRuntime() throws Exception {
    Table table = table(new Random(7));
    Standardized standardized = standardize(table);
    MlpClassifier model = MlpClassifier.builder().inputs(FEATURES).hidden(16, 8).classes(3)
        .updater(new Adam(1e-2)).seed(3).build();
    INDArray classes = Nd4j.createFromArray(table.classes());
    for (int step = 0; step < STEPS; step++) {
      model = model.trainStep(batch(standardized.features(), classes, step)).experiment();
    }
    INDArray expected = model.predict(standardized.features());
    Path file = dir.resolve("model.onnx");

    OnnxExport.classifier(model)
        .standardize(standardized.mean(), standardized.scale())
        .classNames(List.of("low", "middle", "high"))
        .featureNames(List.of("a", "b", "c", "d", "e"))
        .write(file);

    float[][] probabilities;
    long[] labels;
    try (OrtEnvironment env = OrtEnvironment.getEnvironment();
         OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
         OnnxTensor input = OnnxTensor.createTensor(env, table.raw());
         OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
      probabilities = (float[][]) result.get(OnnxExport.PROBABILITIES).orElseThrow().getValue();
      labels = (long[]) result.get(OnnxExport.LABEL).orElseThrow().getValue();
      Map<String, String> metadata = session.getMetadata().getCustomMetadata();
      assertThat(metadata).containsEntry(OnnxExport.CLASS_NAMES_KEY, "[\"low\",\"middle\",\"high\"]")
          .containsEntry(OnnxExport.FEATURE_NAMES_KEY, "[\"a\",\"b\",\"c\",\"d\",\"e\"]")
          .containsEntry(OnnxExport.MODEL_KEY, "MlpClassifier");
    }

    double maxDifference = maxAbsoluteDifference(expected, probabilities);
    System.out.printf("ONNX Runtime vs Solstice, classifier probabilities on %d rows: max |difference| %.3g%n",
        ROWS, maxDifference);
    assertThat(maxDifference).isLessThanOrEqualTo(1e-5);
    int[] solsticeClasses = model.predictClasses(standardized.features());
    int agree = 0;
    int correct = 0;
    for (int r = 0; r < ROWS; r++) {
      agree += labels[r] == solsticeClasses[r] ? 1 : 0;
      correct += labels[r] == table.classes()[r] ? 1 : 0;
    }
    // Arg-max ties within float rounding could differ in principle; none do on these rows.
    assertThat(agree).isEqualTo(ROWS);
    // The model learned something, so equal outputs are not equal constants.
    assertThat(correct).isGreaterThan(ROWS * 8 / 10);
  }

  @Test
  void aRegressorGivesTheSamePredictionsInTargetUnitsInOnnxRuntime() throws Exception {
    Table table = table(new Random(11));
    Standardized standardized = standardize(table);
    double[] target = table.target();
    double[][] column = new double[ROWS][];
    for (int r = 0; r < ROWS; r++) {
      column[r] = new double[] {target[r]};
    }
    FeatureMoments targetMoments = FeatureMoments.of(column);
    double targetMean = targetMoments.mean()[0];
    double targetScale = Math.sqrt(targetMoments.variance()[0]);
    MlpRegressor model = MlpRegressor.builder().inputs(FEATURES).hidden(16)
        .targetScaling(new double[] {targetMean}, new double[] {targetScale})
        .updater(new Adam(1e-2)).seed(5).build();
    INDArray targets = Nd4j.createFromArray(target);
    for (int step = 0; step < STEPS; step++) {
      model = model.trainStep(batch(standardized.features(), targets, step)).experiment();
    }
    INDArray expected = model.predict(standardized.features());

    byte[] onnx = OnnxExport.regressor(model).standardize(standardized.mean(), standardized.scale()).toByteArray();

    float[][] predictions;
    try (OrtEnvironment env = OrtEnvironment.getEnvironment();
         OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions());
         OnnxTensor input = OnnxTensor.createTensor(env, table.raw());
         OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
      predictions = (float[][]) result.get(OnnxExport.PREDICTIONS).orElseThrow().getValue();
    }
    double maxDifference = maxAbsoluteDifference(expected, predictions);
    System.out.printf("ONNX Runtime vs Solstice, regressor predictions (target mean %.2f, scale %.2f) on %d rows: "
        + "max |difference| %.3g%n", targetMean, targetScale, ROWS, maxDifference);
    assertThat(maxDifference).isLessThanOrEqualTo(1e-5);
    assertThat(expected.stdNumber().doubleValue()).as("predictions vary").isGreaterThan(0.5);
  }

  @Test
  void theStandardizationIsPartOfTheGraph() throws Exception {
    MlpClassifier model = MlpClassifier.builder().inputs(2).hidden(4).classes(2).seed(1).build();
    byte[] bytes = OnnxExport.classifier(model).standardize(new double[] {1, 2}, new double[] {3, 4}).toByteArray();

    ModelProto parsed = ModelProto.parseFrom(bytes);

    assertThat(parsed.getGraph().getNodeList()).extracting(NodeProto::getOpType)
        .containsExactly("Cast", "Sub", "Div", "Cast", "MatMul", "Add", "Relu", "MatMul", "Add", "Softmax", "ArgMax");
    assertThat(parsed.getGraph().getInitializerList()).anySatisfy(t -> assertThat(t.getName())
        .isEqualTo("standardize/mean"));
    assertThat(parsed.getOpsetImport(0).getVersion()).isEqualTo(OnnxExport.OPSET);
  }

  @Test
  void aMissingInputOfAnUnstandardizedModelIsFilledWithItsFeaturesValue() throws Exception {
    MlpClassifier model = MlpClassifier.builder().inputs(3).hidden(4).classes(2).seed(5).build();
    float[][] withGaps = {{1.5f, Float.NaN, -2}, {Float.NaN, Float.NaN, Float.NaN}, {0.25f, 3, 7}};
    float[][] filled = {{1.5f, 20, -2}, {10, 20, 30}, {0.25f, 3, 7}};
    Path file = dir.resolve("filled.onnx");
    OnnxExport.classifier(model).fillMissing(10, 20, 30).write(file);

    float[][] probabilities;
    try (OrtEnvironment env = OrtEnvironment.getEnvironment();
         OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
         OnnxTensor input = OnnxTensor.createTensor(env, withGaps);
         OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
      probabilities = (float[][]) result.get(OnnxExport.PROBABILITIES).orElseThrow().getValue();
    }

    double maxDifference = maxAbsoluteDifference(model.predict(Nd4j.createFromArray(filled)), probabilities);
    assertThat(maxDifference).isLessThanOrEqualTo(1e-6);
    assertThat(ModelProto.parseFrom(OnnxExport.classifier(model).fillMissing(0).toByteArray()).getGraph()
        .getNodeList()).extracting(NodeProto::getOpType).startsWith("IsNaN", "Where", "MatMul");
    assertThatThrownBy(() -> OnnxExport.classifier(model).fillMissing(1, 2))
        .hasMessage("the model has 3 inputs but 2 fill values were given");
    assertThatThrownBy(() -> OnnxExport.classifier(model).fillMissing(Double.NaN))
        .hasMessageContaining("fill values must be finite");
  }

  @Test
  void categoricalColumnsAreOneHotEncodedFromAStringInputInTheirPlaceAmongTheColumns() throws Exception {
    // Columns city (categorical), x, colour (categorical), y: inputs Lima Oslo | x | red blue green | y.
    MlpClassifier model = MlpClassifier.builder().inputs(7).hidden(6).classes(2).seed(9).build();
    Map<String, List<String>> categories = Map.of("city", List.of("Lima", "Oslo"), "colour",
        List.of("red", "blue", "green"));
    float[][] numbers = {{0.5f, -1}, {2, 3}, {-0.25f, 0}, {1, 1}};
    String[][] strings = {{"Oslo", "green"}, {"Lima", "red"}, {"Kyiv", ""}, {"", "blue"}};
    float[][] encoded = {
        {0, 1, 0.5f, 0, 0, 1, -1},
        {1, 0, 2, 1, 0, 0, 3},
        {0, 0, -0.25f, 0, 0, 0, 0}, // an unknown city and a missing colour: zeros
        {0, 0, 1, 0, 1, 0, 1}};
    double[] mean = {0, 0, 1, 0, 0, 0, -2};
    double[] scale = {1, 1, 4, 1, 1, 1, 0.5};
    Path file = dir.resolve("categorical.onnx");
    OnnxExport.classifier(model).oneHot(List.of("city", "x", "colour", "y"), categories).standardize(mean, scale)
        .write(file);

    float[][] probabilities;
    try (OrtEnvironment env = OrtEnvironment.getEnvironment();
         OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
         OnnxTensor numeric = OnnxTensor.createTensor(env, numbers);
         OnnxTensor text = OnnxTensor.createTensor(env, strings);
         OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, numeric, OnnxExport.CATEGORIES, text))) {
      probabilities = (float[][]) result.get(OnnxExport.PROBABILITIES).orElseThrow().getValue();
      assertThat(session.getMetadata().getCustomMetadata().get(OnnxExport.CATEGORIES_KEY))
          .contains("\"city\":[\"Lima\",\"Oslo\"]");
    }

    INDArray standardized = Nd4j.createFromArray(encoded).castTo(DataType.DOUBLE)
        .subRowVector(Nd4j.createFromArray(mean)).divRowVector(Nd4j.createFromArray(scale)).castTo(DataType.FLOAT);
    double maxDifference = maxAbsoluteDifference(model.predict(standardized), probabilities);
    System.out.printf("ONNX Runtime vs Solstice with two one-hot columns: max |difference| %.3g%n", maxDifference);
    assertThat(maxDifference).isLessThanOrEqualTo(1e-6);
    assertThatThrownBy(() -> OnnxExport.classifier(model).oneHot(List.of("city", "x"), categories))
        .hasMessageContaining("the model has 7 inputs but the columns [city, x]");
  }

  @Test
  void aModelOfCategoricalColumnsOnlyHasOnlyTheStringInput() throws Exception {
    MlpClassifier model = MlpClassifier.builder().inputs(3).hidden(4).classes(2).seed(2).build();
    Path file = dir.resolve("strings.onnx");
    OnnxExport.classifier(model).oneHot(List.of("size"), Map.of("size", List.of("S", "M", "L"))).write(file);

    float[][] probabilities;
    try (OrtEnvironment env = OrtEnvironment.getEnvironment();
         OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
         OnnxTensor text = OnnxTensor.createTensor(env, new String[][] {{"L"}, {"S"}})) {
      assertThat(session.getInputNames()).containsExactly(OnnxExport.CATEGORIES);
      try (OrtSession.Result result = session.run(Map.of(OnnxExport.CATEGORIES, text))) {
        probabilities = (float[][]) result.get(OnnxExport.PROBABILITIES).orElseThrow().getValue();
      }
    }
    float[][] encoded = {{0, 0, 1}, {1, 0, 0}};
    assertThat(maxAbsoluteDifference(model.predict(Nd4j.createFromArray(encoded)), probabilities))
        .isLessThanOrEqualTo(1e-6);
  }

  @Test
  void anOtherCategoryIsOneForAStringThatIsNeitherACategoryNorEmpty() throws Exception {
    // Columns city (categorical, with an other category), x: inputs Lima Oslo other | x.
    MlpClassifier model = MlpClassifier.builder().inputs(4).hidden(5).classes(3).seed(4).build();
    Map<String, List<String>> categories = Map.of("city", List.of("Lima", "Oslo"));
    Path file = dir.resolve("other.onnx");
    OnnxExport.classifier(model).oneHot(List.of("city", "x"), categories, Set.of("city")).write(file);

    float[][] probabilities;
    try (OrtEnvironment env = OrtEnvironment.getEnvironment();
         OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
         OnnxTensor numeric = OnnxTensor.createTensor(env, new float[][] {{1}, {2}, {3}, {4}});
         OnnxTensor text = OnnxTensor.createTensor(env, new String[][] {{"Oslo"}, {"Kyiv"}, {""}, {"Lima"}});
         OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, numeric, OnnxExport.CATEGORIES, text))) {
      probabilities = (float[][]) result.get(OnnxExport.PROBABILITIES).orElseThrow().getValue();
      assertThat(session.getMetadata().getCustomMetadata().get(OnnxExport.OTHER_CATEGORY_KEY))
          .isEqualTo("[\"city\"]");
    }
    float[][] encoded = {
        {0, 1, 0, 1},
        {0, 0, 1, 2}, // a city that is not a category: other
        {0, 0, 0, 3}, // a missing one: zeros
        {1, 0, 0, 4}};
    double maxDifference = maxAbsoluteDifference(model.predict(Nd4j.createFromArray(encoded)), probabilities);
    System.out.printf("ONNX Runtime vs Solstice with an other category: max |difference| %.3g%n", maxDifference);
    assertThat(maxDifference).isLessThanOrEqualTo(1e-6);
    assertThatThrownBy(() -> OnnxExport.classifier(model).oneHot(List.of("city", "x"), categories, Set.of()))
        .hasMessageContaining("the model has 4 inputs but the columns [city, x]");
    assertThatThrownBy(() -> OnnxExport.classifier(model).oneHot(List.of("city", "x"),
        Map.of("city", List.of("Lima", "")), Set.of("city"))).hasMessageContaining("none of them empty");
  }

  @Test
  void mismatchedSettingsAreRefused() {
    MlpClassifier model = MlpClassifier.builder().inputs(2).hidden(4).classes(3).seed(1).build();
    assertThatThrownBy(() -> OnnxExport.classifier(model).classNames(List.of("a", "b")))
        .hasMessage("the model has 3 classes but 2 names were given: [a, b]");
    assertThatThrownBy(() -> OnnxExport.classifier(model).standardize(new double[3], new double[] {1, 1, 1}))
        .hasMessage("the model has 2 inputs but the standardization has 3 means and 3 scales");
    assertThatThrownBy(() -> OnnxExport.classifier(model).standardize(new double[2], new double[] {1, 0}))
        .hasMessageContaining("scales must be positive");
    MlpRegressor regressor = MlpRegressor.builder().inputs(2).hidden(4).seed(1).build();
    assertThatThrownBy(() -> OnnxExport.regressor(regressor).classNames(List.of("a")))
        .hasMessage("a regressor has no classes");
  }

  /** Raw float32 features, a class from a linear score and a noisy real target. */
  private record Table(float[][] raw, int[] classes, double[] target) {}

  private record Standardized(INDArray features, double[] mean, double[] scale) {}

  private static Table table(Random random) {
    float[][] raw = new float[ROWS][FEATURES];
    int[] classes = new int[ROWS];
    double[] target = new double[ROWS];
    for (int r = 0; r < ROWS; r++) {
      double score = 0;
      for (int c = 0; c < FEATURES; c++) {
        double z = random.nextGaussian();
        raw[r][c] = (float) (OFFSETS[c] + SCALES[c] * z);
        score += (c % 2 == 0 ? 1 : -0.7) * z;
      }
      classes[r] = score < -0.8 ? 0 : score < 0.8 ? 1 : 2;
      target[r] = 3 + 2 * score + 0.1 * random.nextGaussian();
    }
    return new Table(raw, classes, target);
  }

  /**
   * Standardizes as Solstice's feature reading does: the float32 values widened to float64,
   * {@code (x - mean) / scale} with the rows' moments, then float32 for the model.
   */
  private static Standardized standardize(Table table) {
    double[][] wide = new double[ROWS][FEATURES];
    for (int r = 0; r < ROWS; r++) {
      for (int c = 0; c < FEATURES; c++) {
        wide[r][c] = table.raw()[r][c];
      }
    }
    FeatureMoments moments = FeatureMoments.of(wide);
    double[] mean = moments.mean();
    double[] scale = moments.variance();
    for (int c = 0; c < FEATURES; c++) {
      scale[c] = Math.sqrt(scale[c]);
    }
    float[][] out = new float[ROWS][FEATURES];
    for (int r = 0; r < ROWS; r++) {
      for (int c = 0; c < FEATURES; c++) {
        out[r][c] = (float) ((wide[r][c] - mean[c]) / scale[c]);
      }
    }
    return new Standardized(Nd4j.createFromArray(out), mean, scale);
  }

  /** The step's batch of {@value #BATCH} rows, going round the table. */
  private static TensorBatch batch(INDArray features, INDArray labels, int step) {
    long from = (long) step * BATCH % ROWS;
    return TensorBatch.of(features.get(NDArrayIndex.interval(from, from + BATCH), NDArrayIndex.all()),
        labels.get(NDArrayIndex.interval(from, from + BATCH)));
  }

  private static double maxAbsoluteDifference(INDArray expected, float[][] actual) {
    double[][] solstice = expected.castTo(DataType.DOUBLE).toDoubleMatrix();
    assertThat(actual.length).isEqualTo(solstice.length);
    double max = 0;
    for (int r = 0; r < solstice.length; r++) {
      assertThat(actual[r]).hasSize(solstice[r].length);
      for (int c = 0; c < solstice[r].length; c++) {
        max = Math.max(max, Math.abs(solstice[r][c] - actual[r][c]));
      }
    }
    return max;
  }
}
