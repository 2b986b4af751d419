package io.solstice.examples.report;

import io.solstice.examples.data.OutputFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The machine-readable summary of a training job, written by {@code --report FILE}:
 * <pre>{@code
 * {"test": {<every value the task's metrics compute(): accuracy, f1_macro, ... or r2, mae, rmse, mse>},
 *  "task": "classification", "classes": [names]          (or "task": "regression", "target": column, ...),
 *  "confusion_matrix": [[count of true class t predicted as p, ...], ...]   (classification),
 *  "preprocessing": {<the split and the standardization, as in preprocessing.json>},
 *  "epochs": n, "steps": n, "wall_seconds": s}
 * }</pre>
 *
 * @param test the test metrics by name
 * @param task how the task describes itself (see {@code ModelTask.describe()})
 * @param testDetails what the test metrics hold beyond single values (see {@code ModelTask.details})
 * @param preprocessing how the data was split and scaled; empty for none
 * @param epochs the epochs trained (a resumed run counts the epochs before it too)
 * @param steps the train steps of the whole run
 * @param wallSeconds the wall time of this invocation
 */
public record RunReport(Map<String, Double> test, Map<String, Object> task, Map<String, Object> testDetails,
    Map<String, Object> preprocessing,
    int epochs, long steps, double wallSeconds) {

  /**
   * Writes the report as JSON, replacing the file whole or not at all.
   *
   * @param file the target
   * @param output how to write it
   * @throws IOException when it cannot be written
   */
  public void write(Path file, OutputFiles output) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("test", new TreeMap<>(test));
    json.putAll(task);
    json.putAll(testDetails);
    if (!preprocessing.isEmpty()) {
      json.put("preprocessing", preprocessing);
    }
    json.put("epochs", epochs);
    json.put("steps", steps);
    json.put("wall_seconds", wallSeconds);
    output.writeJson(file, json);
  }
}
