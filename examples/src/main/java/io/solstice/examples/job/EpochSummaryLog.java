package io.solstice.examples.job;

import io.solstice.core.Mode;
import io.solstice.reactive.callbacks.MetricsLogger;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the headline metrics of each epoch (loss, accuracy, macro F1) to SLF4J at INFO; the
 * per-class values would bury them, and they are in the CSV and the final report anyway.
 */
final class EpochSummaryLog implements MetricsLogger {
  private static final Logger LOG = LoggerFactory.getLogger(EpochSummaryLog.class);

  @Override
  public void log(Map<String, Double> values, long epoch, Mode mode) {
    if (LOG.isInfoEnabled()) {
      LOG.info(String.format(Locale.ROOT, "%s epoch %d: loss=%.4f accuracy=%.4f f1_macro=%.4f", mode.label(), epoch,
          values.getOrDefault("loss", Double.NaN), values.getOrDefault("accuracy", Double.NaN),
          values.getOrDefault("f1_macro", Double.NaN)));
    }
  }
}
