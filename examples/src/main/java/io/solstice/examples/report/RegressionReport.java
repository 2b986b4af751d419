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
    out.append(line("r2", v.get("r2"), "coefficient of determination"));
    out.append(line("mae", v.get("mae"), "mean absolute error"));
    out.append(line("rmse", v.get("rmse"), "root mean squared error"));
    out.append(line("mse", v.get("mse"), "mean squared error"));
    out.append(String.format(Locale.ROOT, "%6s %14d%n", "rows", metrics.count()));
    return out.toString();
  }

  /**
   * One metric: four decimals in the range where they are readable, else in scientific notation
   * (a target in the billions has an MSE with twenty digits before the point).
   */
  private static String line(String name, double value, String meaning) {
    double magnitude = Math.abs(value);
    String format = magnitude == 0 || magnitude >= 1e-3 && magnitude < 1e7 || !Double.isFinite(value)
        ? "%6s %14.4f   %s%n" : "%6s %14.4e   %s%n";
    return String.format(Locale.ROOT, format, name, value, meaning);
  }
}
