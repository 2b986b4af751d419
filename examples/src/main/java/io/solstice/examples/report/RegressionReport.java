package io.solstice.examples.report;

import io.solstice.core.metrics.RegressionMetrics;
import java.util.Locale;
import java.util.Map;

/**
 * The test report of a regression: R^2 (coefficient of determination), MAE, RMSE and MSE, as
 * scikit-learn's {@code r2_score}, {@code mean_absolute_error} and {@code mean_squared_error}
 * compute them, in the target's units.
 */
public final class RegressionReport {

  private RegressionReport() {}

  /**
   * Formats the report.
   *
   * @param metrics the merged evaluation
   * @return the report, lines separated by newlines, ending with one
   */
  public static String format(RegressionMetrics metrics) {
    Map<String, Double> v = metrics.compute();
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%6s %14.4f   coefficient of determination%n", "r2", v.get("r2")));
    out.append(String.format(Locale.ROOT, "%6s %14.4f   mean absolute error%n", "mae", v.get("mae")));
    out.append(String.format(Locale.ROOT, "%6s %14.4f   root mean squared error%n", "rmse", v.get("rmse")));
    out.append(String.format(Locale.ROOT, "%6s %14.4f   mean squared error%n", "mse", v.get("mse")));
    out.append(String.format(Locale.ROOT, "%6s %14d%n", "rows", metrics.count()));
    return out.toString();
  }
}
