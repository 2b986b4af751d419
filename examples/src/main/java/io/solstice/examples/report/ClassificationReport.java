package io.solstice.examples.report;

import io.solstice.core.metrics.ClassificationMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A per-class text report in the layout of scikit-learn's {@code classification_report}:
 * precision, recall, F1 and support per class, then accuracy, macro and weighted averages. As
 * there, a class that no row has and no row is predicted as gets no row and no share of the macro
 * average; a line after the table names such classes, which a split too small for a rare class
 * leaves out.
 */
public final class ClassificationReport {

  private ClassificationReport() {}

  /**
   * Formats the report.
   *
   * @param metrics the merged evaluation
   * @param classNames the name of each class by index; missing names print as the index
   * @return the report, lines separated by newlines, ending with one
   */
  public static String format(ClassificationMetrics metrics, List<String> classNames) {
    Map<String, Double> v = metrics.compute();
    int classes = metrics.numClasses();
    int width = "weighted avg".length();
    for (int k = 0; k < classes; k++) {
      width = Math.max(width, name(classNames, k).length());
    }
    String head = "%" + width + "s %10s %10s %10s %10s%n";
    String row = "%" + width + "s %10.4f %10.4f %10.4f %10d%n";
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, head, "", "precision", "recall", "f1-score", "support"));
    out.append('\n');
    List<String> absent = new ArrayList<>();
    for (int k = 0; k < classes; k++) {
      if (!metrics.occurs(k)) {
        absent.add(name(classNames, k));
        continue;
      }
      out.append(String.format(Locale.ROOT, row, name(classNames, k), v.get("precision_" + k),
          v.get("recall_" + k), v.get("f1_" + k), Math.round(v.get("support_" + k))));
    }
    out.append('\n');
    long count = metrics.count();
    out.append(String.format(Locale.ROOT, "%" + width + "s %10s %10s %10.4f %10d%n", "accuracy", "", "",
        v.get("accuracy"), count));
    out.append(String.format(Locale.ROOT, row, "macro avg", v.get("precision_macro"),
        v.get("recall_macro"), v.get("f1_macro"), count));
    out.append(String.format(Locale.ROOT, row, "weighted avg", v.get("precision_weighted"),
        v.get("recall_weighted"), v.get("f1_weighted"), count));
    if (!absent.isEmpty()) {
      out.append('\n').append("No row of ").append(absent.size() == 1 ? "class " : "classes ")
          .append(String.join(", ", absent)).append(", and none predicted: left out above.\n");
    }
    return out.toString();
  }

  private static String name(List<String> classNames, int k) {
    return k < classNames.size() && classNames.get(k) != null ? classNames.get(k) : Integer.toString(k);
  }
}
