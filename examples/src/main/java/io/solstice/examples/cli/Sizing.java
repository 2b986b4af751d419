package io.solstice.examples.cli;

import io.solstice.examples.data.UsageException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How long and in what steps a run trains, chosen from the train split's size where the user
 * said {@code auto}, so that the defaults work from a hundred rows to a hundred million:
 *
 * <ul>
 *   <li>batch size: a tenth of the train rows, between 1 and 128, so an epoch has at least
 *       about ten steps;
 *   <li>epochs: enough for about 4,000 steps, at least 3 and at most 200 (early stopping ends
 *       most runs sooner);
 *   <li>patience: a tenth of the epochs, at least 5, so a small table's noisy validation loss
 *       does not stop it too early;
 *   <li>learning rate: 1e-3, Adam's usual rate, which suits standardized features.
 * </ul>
 *
 * @param batchSize rows per batch
 * @param epochs the most epochs
 * @param patience epochs without a better validation loss before stopping
 * @param learningRate Adam's learning rate
 */
record Sizing(int batchSize, int epochs, int patience, double learningRate) {
  static final int MAX_BATCH = 128;
  static final long TARGET_STEPS = 4_000;
  static final int MIN_EPOCHS = 3;
  static final int MAX_EPOCHS = 200;
  static final int MIN_PATIENCE = 5;
  static final double LEARNING_RATE = 1e-3;

  /**
   * The settings for a train split, each given value kept and each null one chosen.
   *
   * @param trainRows the rows of the train split
   * @param batchSize the given batch size, or null
   * @param epochs the given epochs, or null
   * @param patience the given patience, or null
   * @param learningRate the given learning rate, or null
   * @return the settings
   */
  static Sizing of(long trainRows, Integer batchSize, Integer epochs, Integer patience, Double learningRate) {
    int batch = batchSize != null ? batchSize : (int) Math.max(1, Math.min(MAX_BATCH, trainRows / 10));
    long stepsPerEpoch = Math.max(1, (trainRows + batch - 1) / batch);
    int epochCount = epochs != null ? epochs
        : (int) Math.max(MIN_EPOCHS, Math.min(MAX_EPOCHS, (TARGET_STEPS + stepsPerEpoch - 1) / stepsPerEpoch));
    int wait = patience != null ? patience : Math.max(MIN_PATIENCE, epochCount / 10);
    return new Sizing(batch, epochCount, wait, learningRate != null ? learningRate : LEARNING_RATE);
  }

  /**
   * The settings as JSON values, for the run record.
   *
   * @return epochs, batch size, patience and learning rate by name
   */
  Map<String, Object> asJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("epochs", epochs);
    json.put("batchSize", batchSize);
    json.put("patience", patience);
    json.put("learningRate", learningRate);
    return json;
  }

  /**
   * A whole-number option that may be {@code auto}.
   *
   * @param option the option's name, for the message
   * @param value the option's text, or null
   * @param least the smallest value allowed
   * @return the number, or null for auto (or no value)
   * @throws UsageException when it is neither a whole number of at least {@code least} nor auto
   */
  static Integer whole(String option, String value, int least) {
    if (value == null || value.equals("auto")) {
      return null;
    }
    try {
      int n = Integer.parseInt(value.trim());
      TrainingCommand.check(n >= least, option + " must be at least " + least + " (or auto), got " + value);
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(option + " must be a whole number or auto, got " + value);
    }
  }

  /**
   * A positive-number option that may be {@code auto}.
   *
   * @param option the option's name, for the message
   * @param value the option's text, or null
   * @return the number, or null for auto (or no value)
   * @throws UsageException when it is neither a positive finite number nor auto
   */
  static Double positive(String option, String value) {
    if (value == null || value.equals("auto")) {
      return null;
    }
    try {
      double x = Double.parseDouble(value.trim());
      TrainingCommand.check(x > 0 && Double.isFinite(x), option + " must be positive (or auto), got " + value);
      return x;
    } catch (NumberFormatException e) {
      throw new UsageException(option + " must be a number or auto, got " + value);
    }
  }
}
