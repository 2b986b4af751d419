package io.solstice.examples.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

/**
 * The machine-readable summary of a training job, written by {@code --report FILE}:
 * <pre>{@code
 * {"test": {<every value ClassificationMetrics.compute() returns>},
 *  "classes": [names], "epochs": n, "steps": n, "wall_seconds": s}
 * }</pre>
 *
 * @param test the test metrics by name
 * @param classNames the class names by index
 * @param epochs the epochs trained (a resumed run counts the epochs before it too)
 * @param steps the train steps of the whole run
 * @param wallSeconds the wall time of this invocation
 */
public record RunReport(
    Map<String, Double> test, List<String> classNames, int epochs, long steps, double wallSeconds) {

  /**
   * Writes the report as JSON, replacing the file.
   *
   * @param file the target
   * @throws IOException when it cannot be written
   */
  public void write(Path file) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("test", new LinkedHashMap<>(new java.util.TreeMap<>(test)));
    json.put("classes", classNames);
    json.put("epochs", epochs);
    json.put("steps", steps);
    json.put("wall_seconds", wallSeconds);
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Files.writeString(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValueAsString(json) + "\n");
  }
}
