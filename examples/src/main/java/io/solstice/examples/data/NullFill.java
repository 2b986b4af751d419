package io.solstice.examples.data;

import io.solstice.core.TensorBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import reactor.core.publisher.Flux;

/**
 * What {@code --fill-nulls} makes of missing feature values, nulls and NaN ({@link FeatureValue}):
 * {@code none} refuses a table that holds any (naming the columns, how many rows and the first
 * one), {@code mean} fills each feature with the mean of its train values (those not missing),
 * and a number fills every feature with it. The values fill them before standardization, in
 * training and in {@code predict} (the run's preprocessing record keeps them) and in the ONNX
 * export. A categorical column's nulls are not filled: they are one-hot encoded as zeros, like
 * an unknown category.
 */
public final class NullFill {

  /** The option's value that refuses nulls. */
  public static final String NONE = "none";

  /** The option's value that fills with the train means. */
  public static final String MEAN = "mean";

  private final String option;
  private final Double constant;

  private NullFill(String option, Double constant) {
    this.option = option;
    this.constant = constant;
  }

  /**
   * Reads the option.
   *
   * @param option {@code none}, {@code mean} or a finite number
   * @return the choice
   * @throws UsageException for anything else
   */
  public static NullFill parse(String option) {
    String text = option.trim().toLowerCase(Locale.ROOT);
    if (text.equals(NONE) || text.equals(MEAN)) {
      return new NullFill(text, null);
    }
    try {
      double value = Double.parseDouble(text);
      if (Double.isFinite(value)) {
        return new NullFill("value", value);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("--fill-nulls must be none, mean or a finite number, got " + option);
  }

  /**
   * Refuses a table with missing features when nothing fills them, saying where they are.
   *
   * @param layout the table's survey, which counted its missing values
   * @param table the table, for the message
   * @throws UsageException when nulls are refused but present
   */
  public void refuseUnfilled(TableLayout layout, Path table) {
    if (!option.equals(NONE) || layout.nulls().isEmpty()) {
      return;
    }
    throw new UsageException(table + " has missing feature values (null or NaN): " + TableLayout.where(layout.nulls())
        + "; fill them with --fill-nulls mean (each feature's train mean) or --fill-nulls VALUE, or remove "
        + "those rows");
  }

  /**
   * The fill values.
   *
   * @param layout the table's survey
   * @param trainFeatures the train rows' raw features in double precision, nulls read as NaN
   *     (read only for {@code mean})
   * @return one value for every feature, or one per feature; null when nulls are refused
   * @throws UsageException when a feature has no train value to take the mean of
   */
  public double[] values(TableLayout layout, Flux<TensorBatch> trainFeatures) {
    if (constant != null) {
      return new double[] {constant};
    }
    return option.equals(MEAN) ? trainMeans(layout, trainFeatures) : null;
  }

  /**
   * What the run's preprocessing record says about it.
   *
   * @param values what {@link #values} returned
   * @return a JSON-compatible map, or null for none
   */
  public Map<String, Object> record(double[] values) {
    if (values == null) {
      return null;
    }
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("strategy", option);
    record.put("values", Arrays.stream(values).boxed().toList());
    return record;
  }

  /**
   * One line for the job's output.
   *
   * @param layout the table's survey
   * @param values what {@link #values} returned
   * @return the line, or null when there is nothing to say
   */
  public String describe(TableLayout layout, double[] values) {
    if (values == null) {
      return null;
    }
    String filled = option.equals(MEAN) ? "each feature's train mean" : "the value " + constant;
    if (layout.nulls().isEmpty()) {
      return "No missing features in the table; missing values (null or NaN) in later data will be filled with "
          + filled;
    }
    List<String> counts = new ArrayList<>();
    layout.nulls().forEach((column, nulls) -> counts.add(column + ": " + nulls.rows()));
    return "Missing features (null or NaN) filled with " + filled + " (rows with missing values: "
        + String.join(", ", counts) + ")";
  }

  private static double[] trainMeans(TableLayout layout, Flux<TensorBatch> trainFeatures) {
    PresentSums sums = trainFeatures.reduce(new PresentSums(), PresentSums::add).block();
    if (sums == null || sums.sum == null) {
      throw new UsageException("no train rows to take the means of the features from");
    }
    double[] means = new double[sums.sum.length];
    for (int f = 0; f < means.length; f++) {
      if (sums.count[f] == 0) {
        String column = layout.inputNames().get(f);
        throw new UsageException("feature " + column + " is null in every train row: it has no mean to fill "
            + "nulls with; give --fill-nulls VALUE or leave the column out with --features");
      }
      means[f] = sums.sum[f] / sums.count[f];
    }
    return means;
  }

  /** Per feature, the sum and the count of the train values that are not NaN (nor null). */
  private static final class PresentSums {
    double[] sum;
    long[] count;

    PresentSums add(TensorBatch batch) {
      try (batch) {
        INDArray features = batch.features();
        int columns = (int) features.size(1);
        if (sum == null) {
          sum = new double[columns];
          count = new long[columns];
        }
        double[] values = features.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        for (int i = 0; i < values.length; i++) {
          if (!Double.isNaN(values[i])) {
            sum[i % columns] += values[i];
            count[i % columns]++;
          }
        }
        return this;
      }
    }
  }
}
