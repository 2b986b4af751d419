package io.solstice.examples.job;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowFlux;
import io.solstice.arrow.ColumnNumbers;
import io.solstice.arrow.ColumnText;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.metrics.RegressionMetrics;
import io.solstice.examples.report.ClassificationReport;
import io.solstice.examples.report.RegressionReport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;

/**
 * The predictions of a table that holds the column its model predicts, measured against that
 * column as {@code train} measures its test split: a classifier's report per class (its loss the
 * mean cross-entropy of the predicted probabilities), a regressor's R^2, MAE and RMSE in the
 * target's units. Rows whose label is missing, or a class the run never saw, are left out and
 * counted. Batches come as {@link ArrowFlux#predict} leaves them, before they are written.
 */
public final class PredictionEvaluation {
  // Far below any probability a float32 softmax gives a class, so that the loss stays finite.
  private static final double SMALLEST_PROBABILITY = 1e-30;

  private final ModelRecord record;
  private final Map<String, Integer> classIndex = new HashMap<>();
  private ClassificationMetrics classification;
  private RegressionMetrics regression;
  private long unlabelled;
  private final List<String> unknownLabels = new ArrayList<>();
  private long unknownRows;

  private PredictionEvaluation(ModelRecord record) {
    this.record = record;
    for (int k = 0; k < record.classes().size(); k++) {
      classIndex.put(record.classes().get(k), k);
    }
    classification = ClassificationMetrics.empty(Math.max(2, record.classes().size()));
    regression = RegressionMetrics.none();
  }

  /**
   * An evaluation for the table whose first predicted batch this is, or null when the table has
   * no column of that name, or one a regressor's target cannot be (as training reads targets).
   *
   * @param record the run's model record
   * @param first the first batch, predicted
   * @return the evaluation, or null
   */
  static PredictionEvaluation forTable(ModelRecord record, ArrowBatch first) {
    if (record.target() == null) {
      return null;
    }
    FieldVector column = first.root().getVector(record.target());
    if (column == null || !record.classifier() && !ColumnNumbers.canBeTarget(column)) {
      return null;
    }
    return new PredictionEvaluation(record);
  }

  /**
   * Adds a predicted batch.
   *
   * @param batch the batch with its prediction columns
   */
  void add(ArrowBatch batch) {
    FieldVector actual = batch.root().getVector(record.target());
    FixedSizeListVector scores = (FixedSizeListVector) batch.root().getVector(ArrowFlux.PROBABILITIES);
    FloatingPointVector scoreValues = (FloatingPointVector) scores.getDataVector();
    int width = scores.getListSize();
    int rows = batch.rowCount();
    if (record.classifier()) {
      IntVector predicted = (IntVector) batch.root().getVector(ArrowFlux.PREDICTION);
      ColumnText labels = ColumnText.of(batch, actual);
      List<Integer> predictions = new ArrayList<>();
      List<Integer> targets = new ArrayList<>();
      double lossSum = 0;
      for (int r = 0; r < rows; r++) {
        String label = labels.at(r);
        if (label == null || label.isEmpty()) {
          unlabelled++;
          continue;
        }
        Integer k = classIndex.get(label);
        if (k == null) {
          unknownRows++;
          if (unknownLabels.size() < 3 && !unknownLabels.contains(label)) {
            unknownLabels.add(label);
          }
          continue;
        }
        predictions.add(predicted.get(r));
        targets.add(k);
        lossSum -= Math.log(Math.max(SMALLEST_PROBABILITY, scoreValues.getValueAsDouble(r * width + k)));
      }
      if (!targets.isEmpty()) {
        classification = classification.merge(ClassificationMetrics.of(
            predictions.stream().mapToInt(Integer::intValue).toArray(),
            targets.stream().mapToInt(Integer::intValue).toArray(), lossSum / targets.size(), classIndex.size()));
      }
      return;
    }
    List<Double> predictions = new ArrayList<>();
    List<Double> targets = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      double target = value(actual, r);
      if (Double.isNaN(target)) {
        unlabelled++;
        continue;
      }
      predictions.add(scoreValues.getValueAsDouble(r * width));
      targets.add(target);
    }
    if (!targets.isEmpty()) {
      regression = regression.merge(RegressionMetrics.of(predictions.stream().mapToDouble(Double::doubleValue).toArray(),
          targets.stream().mapToDouble(Double::doubleValue).toArray()));
    }
  }

  private static double value(FieldVector column, int row) {
    double value = column.isNull(row) ? Double.NaN : ColumnNumbers.value(column, row);
    return Double.isFinite(value) ? value : Double.NaN;
  }

  /**
   * The report, under a line that says what it measured and what it left out.
   *
   * @param table the table's name
   * @return the text, lines ending with a newline
   */
  public String report(String table) {
    long measured = record.classifier() ? classification.count() : regression.count();
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "Against the '%s' column of %s (%d rows",
        record.target(), table, measured));
    if (unlabelled > 0) {
      out.append(String.format(Locale.ROOT, "; %d without a %s left out", unlabelled,
          record.classifier() ? "label" : "target"));
    }
    if (unknownRows > 0) {
      out.append(String.format(Locale.ROOT, "; %d with a class the run never saw left out, such as %s", unknownRows,
          String.join(", ", unknownLabels.stream().map(label -> "'" + label + "'").toList())));
    }
    out.append("):\n");
    if (measured == 0) {
      return out.append("no row to measure\n").toString();
    }
    out.append('\n');
    return out.append(record.classifier() ? ClassificationReport.format(classification, record.classes())
        : RegressionReport.format(regression)).toString();
  }

  /**
   * The evaluation as JSON, shaped as {@code train}'s report: {@code column}, {@code test} (every
   * metric), for a classifier {@code classes} and {@code confusion_matrix} (row t, column p counts
   * the rows of class t predicted as p), and the rows left out ({@code without_label}, {@code
   * unseen_class}).
   *
   * @return the object
   */
  public Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("column", record.target());
    json.put("test", record.classifier() ? classification.compute() : regression.compute());
    if (record.classifier()) {
      json.put("classes", record.classes());
      json.put("confusion_matrix", classification.confusionMatrix());
    }
    json.put("without_label", unlabelled);
    json.put("unseen_class", unknownRows);
    return json;
  }
}
