package io.solstice.examples.job;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a training job trains on, and what holds it in memory.
 *
 * @param source opens each split
 * @param trainRows the rows of the train split
 * @param inputs the number of features per row
 * @param task classification or regression, with its classes or target
 * @param testName how the report calls the test split (for example "held-out test")
 * @param preprocessing how the data was split and scaled, for the run record ({@code
 *     preprocessing.json} in the checkpoint directory, and the JSON report); its {@code
 *     features} (the feature columns) and {@code standardization} ({@code mean} and {@code
 *     scale} lists, or absent for raw features) also go into {@link ModelRecord model.json}
 * @param resources closed after the job (a table held in memory), or null
 */
public record JobData(SplitSource source, long trainRows, int inputs, ModelTask<?, ?> task, String testName,
    Map<String, Object> preprocessing, AutoCloseable resources) implements AutoCloseable {

  /**
   * Validates the fields.
   *
   * @param source see the record
   * @param trainRows see the record
   * @param inputs see the record
   * @param task see the record
   * @param testName see the record
   * @param preprocessing see the record
   * @param resources see the record
   */
  public JobData {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(task, "task");
    preprocessing = new LinkedHashMap<>(preprocessing);
    if (inputs <= 0) {
      throw new IllegalArgumentException("a model needs at least one feature, got " + inputs);
    }
  }

  /** Releases the resources. */
  @Override
  public void close() throws Exception {
    if (resources != null) {
      resources.close();
    }
  }
}
