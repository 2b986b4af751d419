package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.solstice.core.NamedArrays;
import io.solstice.core.checkpoint.Npz;
import io.solstice.examples.job.ModelRecord;
import io.solstice.examples.job.TrainedModel;
import io.solstice.onnx.OnnxExport;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code solstice export}: the ONNX model of a {@code train} run (standardized features) gives
 * in ONNX Runtime what {@code solstice predict} gives, and the safetensors file holds the
 * checkpoint's arrays.
 */
class ExportCommandTest {
  @TempDir Path dir;

  @Test
  void theOnnxModelOfAStandardizedRunGivesWhatPredictGives() throws Exception {
    Path table = table();
    Path work = dir.resolve("run");
    Cli train = Cli.run("train", "--data", table.toString(), "--label", "species", "--epochs", "5",
        "--work-dir", work.toString());
    assertThat(train.exitCode()).as(train.err()).isZero();
    Path onnx = dir.resolve("model.onnx");
    Path predictions = dir.resolve("predictions.arrow");

    Cli export = Cli.run("export", "--run", work.toString(), "--onnx", onnx.toString());
    Cli predict = Cli.run("predict", "--run", work.toString(), "--data", table.toString(), "--out",
        predictions.toString());

    assertThat(export.exitCode()).as(export.err()).isZero();
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    ModelRecord record = TrainedModel.load(work).record();
    assertThat(record.standardization()).as("the run standardized its features").isNotNull();
    assertThat(record.features()).containsExactly("x0", "x1", "x2", "x3");
    PredictionOutput solstice = PredictionOutput.read(predictions);
    float[][] expected = solstice.probabilities();
    float[][] features = rawFeatures(solstice.rows());
    OnnxRun run = OnnxRun.of(onnx, features);
    float[][] probabilities = run.floats(OnnxExport.PROBABILITIES);
    long[] labels = run.longs(OnnxExport.LABEL);
    assertThat(run.metadata().get(OnnxExport.CLASS_NAMES_KEY))
        .isEqualTo(new ObjectMapper().writeValueAsString(record.classes()));
    double max = 0;
    for (int r = 0; r < expected.length; r++) {
      for (int k = 0; k < expected[r].length; k++) {
        max = Math.max(max, Math.abs(expected[r][k] - probabilities[r][k]));
      }
      assertThat(record.classes().get((int) labels[r])).isEqualTo(solstice.column("prediction").get(r));
    }
    System.out.printf("ONNX Runtime vs solstice predict on %d rows (standardized train run): max |difference| %.3g%n",
        expected.length, max);
    assertThat(max).isLessThanOrEqualTo(1e-5);
  }

  @Test
  void aRegressionRunExportsPredictionsInTheTargetsUnits() throws Exception {
    Path table = table();
    Path work = dir.resolve("regression");
    Cli train = Cli.run("train", "--data", table.toString(), "--label", "x0", "--features", "x1,x2,x3",
        "--task", "regression", "--epochs", "5", "--work-dir", work.toString());
    assertThat(train.exitCode()).as(train.err()).isZero();
    Path onnx = dir.resolve("exports").resolve("regression.onnx"); // a directory made as needed
    Path predictions = dir.resolve("regression.arrow");

    assertThat(Cli.run("export", "--run", work.toString(), "--onnx", onnx.toString()).exitCode()).isZero();
    Cli predict = Cli.run("predict", "--run", work.toString(), "--data", table.toString(), "--out",
        predictions.toString());
    assertThat(predict.exitCode()).as(predict.err()).isZero();

    PredictionOutput solstice = PredictionOutput.read(predictions);
    // The table has the target: predict reports against it, in its units, as the file's rows say.
    double absoluteErrors = 0;
    for (int r = 0; r < solstice.rows(); r++) {
      absoluteErrors += Math.abs(((Number) solstice.column("prediction").get(r)).doubleValue()
          - ((Number) solstice.column("x0").get(r)).doubleValue());
    }
    assertThat(predict.out()).contains("Against the 'x0' column of " + table + " (" + solstice.rows() + " rows):")
        .contains(String.format(Locale.ROOT, "%6s %14.4f   %s", "mae", absoluteErrors / solstice.rows(),
            "mean absolute error"));
    float[][] all = rawFeatures(solstice.rows());
    float[][] features = new float[all.length][];
    for (int r = 0; r < all.length; r++) {
      features[r] = new float[] {all[r][1], all[r][2], all[r][3]};
    }
    float[][] onnxPredictions = OnnxRun.of(onnx, features).floats(OnnxExport.PREDICTIONS);
    double max = 0;
    for (int r = 0; r < features.length; r++) {
      max = Math.max(max, Math.abs(((Number) solstice.column("prediction").get(r)).floatValue()
          - onnxPredictions[r][0]));
    }
    System.out.printf("ONNX Runtime vs solstice predict, regression on %d rows: max |difference| %.3g%n",
        features.length, max);
    assertThat(max).isLessThanOrEqualTo(1e-5);
  }

  @Test
  void theSafetensorsFileHoldsTheCheckpointsArraysAndManifest() throws Exception {
    Path table = table();
    Path work = dir.resolve("run");
    assertThat(Cli.run("train", "--data", table.toString(), "--label", "species", "--epochs", "3",
        "--work-dir", work.toString()).exitCode()).isZero();
    Path file = dir.resolve("exports").resolve("v1").resolve("model.safetensors"); // directories made as needed

    Cli export = Cli.run("export", "--run", work.toString(), "--safetensors", file.toString());

    assertThat(export.exitCode()).as(export.err()).isZero();
    TrainedModel model = TrainedModel.load(work);
    NamedArrays checkpoint = Npz.read(model.checkpoint().file());
    byte[] bytes = Files.readAllBytes(file);
    long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
    assertThat(header.get("__metadata__").get("experimentType").asText()).endsWith("MlpClassifier");
    List<String> names = new java.util.ArrayList<>();
    header.fieldNames().forEachRemaining(names::add);
    names.remove("__metadata__");
    assertThat(names).containsExactlyInAnyOrderElementsOf(checkpoint.names());
    JsonNode weights = header.get("layer0/W");
    assertThat(weights.get("dtype").asText()).isEqualTo("F32");
    int begin = 8 + (int) headerLength + weights.get("data_offsets").get(0).asInt();
    int end = 8 + (int) headerLength + weights.get("data_offsets").get(1).asInt();
    float[] values = new float[(end - begin) / 4];
    ByteBuffer.wrap(bytes, begin, end - begin).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    assertThat(values).containsExactly(checkpoint.get("layer0/W").castTo(DataType.FLOAT).dup('c').data().asFloat());
  }

  @Test
  void exportNeedsSomethingToWrite() {
    Cli run = Cli.run("export", "--run", dir.toString());
    assertThat(run.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(run.errLines()).containsExactly("solstice export: say what to write: --onnx FILE and/or --safetensors FILE");
  }

  private Path table() throws Exception {
    try (BufferAllocator allocator = new RootAllocator()) {
      return new Tables(allocator).csv(dir.resolve("table.csv"));
    }
  }

  /** The four feature columns of {@link Tables#csv}, as float32, read back from the file. */
  private float[][] rawFeatures(int rows) throws Exception {
    List<String> lines = Files.readAllLines(dir.resolve("table.csv"));
    assertThat(lines).hasSize(rows + 1);
    float[][] out = new float[rows][4];
    for (int r = 0; r < rows; r++) {
      String[] fields = lines.get(r + 1).split(",");
      for (int c = 0; c < 4; c++) {
        out[r][c] = (float) Double.parseDouble(fields[c]);
      }
    }
    return out;
  }
}
