package io.solstice.examples.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.solstice.arrow.FeatureSpec;
import io.solstice.arrow.Standardization;
import io.solstice.core.io.Json;
import io.solstice.examples.data.OutputFiles;
import io.solstice.examples.data.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code model.json} a training job leaves in its checkpoint directory: what a checkpoint's
 * arrays are a model of, and what it takes to apply it to new rows. {@code predict} and {@code
 * export} read it.
 *
 * <pre>{@code
 * {"model": "MlpClassifier", "inputs": 4, "hidden": [128], "monitor": "loss",
 *  "features": ["x0", "x1", "x2", "x3"], "categories": {"city": ["Lima", "Oslo"]} (or {}),
 *  "other_category": ["city"] (or []),
 *  "standardization": {"mean": [...], "scale": [...]} (or null),
 *  "fill_nulls": [...] (or null), "csv": {"header": true, "skip_rows": 0, "missing_values": []},
 *  "task": "classification", "label": "species", "classes": ["setosa", ...]
 *  (or "task": "regression", "target": "price")}
 * }</pre>
 *
 * @param model the model class, {@code MlpClassifier} or {@code MlpRegressor}
 * @param inputs features per row
 * @param hidden the hidden layer sizes
 * @param monitor the validation metric the best checkpoint has the lowest value of
 * @param features the feature columns, in order (one vector column, or numeric and categorical
 *     columns)
 * @param categories the categorical feature columns, each with its categories (one input per
 *     category, one-hot)
 * @param otherCategory the categorical columns with one more input after their categories, for
 *     any value present and not one of them
 * @param standardization how the features were standardized, or null for raw features
 * @param fillNulls what null features become before standardization (one value, or one per
 *     feature), or null when nulls are refused
 * @param csv how train read its CSV table, which predict reads new rows by ({@link
 *     CsvReading#PLAIN} for a table in another format)
 * @param classes the class names by class index (empty for regression)
 * @param target the column the model predicts: the class label or the regression target; null for
 *     a classifier recorded before the label was
 */
public record ModelRecord(String model, int inputs, int[] hidden, String monitor, List<String> features,
    Map<String, List<String>> categories, List<String> otherCategory, Standardization standardization,
    double[] fillNulls, CsvReading csv, List<String> classes, String target) {

  /** The file name inside a checkpoint directory. */
  public static final String NAME = "model.json";

  /** The model class of a classifier. */
  public static final String CLASSIFIER = "MlpClassifier";

  /** The model class of a regressor. */
  public static final String REGRESSOR = "MlpRegressor";

  /**
   * Freezes the fields.
   *
   * @param model see the record
   * @param inputs see the record
   * @param hidden see the record
   * @param monitor see the record
   * @param features see the record
   * @param categories see the record
   * @param otherCategory see the record
   * @param standardization see the record
   * @param fillNulls see the record
   * @param csv see the record
   * @param classes see the record
   * @param target see the record
   */
  public ModelRecord {
    Objects.requireNonNull(csv, "csv");
    hidden = hidden.clone();
    fillNulls = fillNulls == null ? null : fillNulls.clone();
    features = List.copyOf(features);
    Map<String, List<String>> frozen = new LinkedHashMap<>();
    categories.forEach((column, values) -> frozen.put(column, List.copyOf(values)));
    categories = Collections.unmodifiableMap(frozen);
    otherCategory = List.copyOf(otherCategory);
    classes = List.copyOf(classes);
  }

  /**
   * Whether the model predicts classes.
   *
   * @return true for a classifier
   */
  public boolean classifier() {
    return model.equals(CLASSIFIER);
  }

  /**
   * The spec that reads this model's features from a batch, nulls filled and standardized as in
   * training. Its label column is only named (prediction does not read it).
   *
   * @return the spec
   */
  public FeatureSpec featureSpec() {
    FeatureSpec.Builder spec = FeatureSpec.builder().features(features.toArray(String[]::new))
        .standardize(standardization);
    categories.forEach(spec::categories);
    otherCategory.forEach(spec::otherCategory);
    if (fillNulls != null) {
      spec.fillNulls(fillNulls);
    }
    return classifier() ? spec.label("label").numClasses(classes.size()).build() : spec.target(target).build();
  }

  /**
   * Writes {@code <checkpointDir>/model.json}.
   *
   * @param checkpointDir the job's checkpoint directory
   * @param output how to write it
   * @throws IOException when it cannot be written
   */
  public void write(Path checkpointDir, OutputFiles output) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("model", model);
    json.put("inputs", inputs);
    json.put("hidden", Arrays.stream(hidden).boxed().toList());
    json.put("monitor", monitor);
    json.put("features", features);
    json.put("categories", categories);
    json.put("other_category", otherCategory);
    if (standardization == null) {
      json.put("standardization", null);
    } else {
      Map<String, Object> scaling = new LinkedHashMap<>();
      scaling.put("mean", Arrays.stream(standardization.mean()).boxed().toList());
      scaling.put("scale", Arrays.stream(standardization.scale()).boxed().toList());
      json.put("standardization", scaling);
    }
    json.put("fill_nulls", fillNulls == null ? null : Arrays.stream(fillNulls).boxed().toList());
    json.put("csv", csv.toJson());
    json.put("task", classifier() ? "classification" : "regression");
    if (classifier()) {
      json.put("label", target);
      json.put("classes", classes);
    } else {
      json.put("target", target);
    }
    output.writeJson(checkpointDir.resolve(NAME), json);
  }

  /**
   * Reads {@code <checkpointDir>/model.json}.
   *
   * @param checkpointDir a checkpoint directory a training job wrote
   * @return the record
   * @throws UsageException when there is none or it cannot be read
   */
  public static ModelRecord read(Path checkpointDir) {
    Path file = checkpointDir.resolve(NAME);
    if (!Files.isRegularFile(file)) {
      throw new UsageException("no " + NAME + " in " + checkpointDir + ": not the run directory of a 'train' or "
          + "'digits' run (give its --work-dir or --checkpoint-dir)");
    }
    try {
      JsonNode json = Json.readTree(Files.readAllBytes(file));
      String model = json.get("model").asText();
      if (!model.equals(CLASSIFIER) && !model.equals(REGRESSOR)) {
        throw new UsageException(file + " describes a " + model + "; only MlpClassifier and MlpRegressor runs are "
            + "supported");
      }
      JsonNode scaling = json.get("standardization");
      Standardization standardization = scaling == null || scaling.isNull() ? null
          : Standardization.of(doubles(scaling.get("mean")), doubles(scaling.get("scale")));
      List<String> classes = new ArrayList<>();
      if (json.has("classes")) {
        json.get("classes").forEach(c -> classes.add(c.asText()));
      }
      List<String> features = new ArrayList<>();
      json.get("features").forEach(f -> features.add(f.asText()));
      Map<String, List<String>> categories = new LinkedHashMap<>();
      if (json.has("categories")) {
        json.get("categories").fields().forEachRemaining(column -> {
          List<String> values = new ArrayList<>();
          column.getValue().forEach(v -> values.add(v.asText()));
          categories.put(column.getKey(), values);
        });
      }
      List<String> otherCategory = new ArrayList<>();
      if (json.has("other_category")) {
        json.get("other_category").forEach(column -> otherCategory.add(column.asText()));
      }
      int[] hidden = new int[json.get("hidden").size()];
      for (int i = 0; i < hidden.length; i++) {
        hidden[i] = json.get("hidden").get(i).asInt();
      }
      JsonNode fill = json.get("fill_nulls");
      JsonNode predicted = json.path(model.equals(CLASSIFIER) ? "label" : "target");
      return new ModelRecord(model, json.get("inputs").asInt(), hidden, json.get("monitor").asText(), features,
          categories, otherCategory, standardization, fill == null || fill.isNull() ? null : doubles(fill),
          CsvReading.of(json.get("csv")), classes, predicted.isMissingNode() ? null : predicted.asText());
    } catch (IOException | RuntimeException e) {
      if (e instanceof UsageException usage) {
        throw usage;
      }
      throw new UsageException("cannot read " + file + ": " + e.getMessage());
    }
  }

  private static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asDouble();
    }
    return out;
  }
}
