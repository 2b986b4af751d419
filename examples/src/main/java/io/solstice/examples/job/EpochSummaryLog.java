package io.solstice.examples.job;

import io.solstice.reactive.callbacks.LoggedMetrics;
import io.solstice.reactive.callbacks.MetricsLogger;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the headline metrics of each epoch (for example loss, accuracy and macro F1) to SLF4J at
 * INFO; the per-class values would bury them, and they are in the CSV and the final report
 * anyway.
 */
final class EpochSummaryLog implements MetricsLogger {
  private static final Logger LOG = LoggerFactory.getLogger(EpochSummaryLog.class);

  private final List<String> keys;

  EpochSummaryLog(List<String> keys) {
    this.keys = List.copyOf(keys);
  }

  @Override
  public void log(LoggedMetrics metrics) {
    if (LOG.isInfoEnabled()) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s epoch %d%s:",
          metrics.mode().label(), metrics.epoch(), metrics.complete() ? "" : " (cut short by a stop)"));
      for (String key : keys) {
        line.append(String.format(Locale.ROOT, " %s=%.4f", key, metrics.values().getOrDefault(key, Double.NaN)));
      }
      LOG.info(line.toString());
    }
  }
}
