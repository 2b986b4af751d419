package io.solstice.online.drift;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.online.linear.LinearOptions;
import io.solstice.online.linear.OnlineLogisticRegression;
import io.solstice.online.streams.ConceptDrift;
import io.solstice.online.streams.RowGenerator;
import io.solstice.online.streams.SeaGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import moa.classifiers.core.driftdetection.ADWINChangeDetector;
import moa.classifiers.core.driftdetection.ChangeDetector;
import moa.classifiers.core.driftdetection.DDM;
import moa.classifiers.core.driftdetection.PageHinkleyDM;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.AdaGrad;

/**
 * The detection figures of docs/ONLINE.md: each detector and its MOA peer on the same per-row
 * error streams from SEA (10% noise), 10 seeds each, 100,000 rows per stream.
 *
 * <ul>
 *   <li>Static classifier: the errors of SEA concept 1's own rule ({@code x1 + x2 > 8}, never
 *       updated) on concepts 1, 3, 4 switching abruptly at rows 30,000 and 60,000: the error
 *       rises from 10% to about 17% and then about 20.5%.
 *   <li>Adaptive learner: the prequential errors of online logistic regression (AdaGrad 0.1, per
 *       row) on concepts 1, 3, 4, 2, 1 switching at 20,000, 40,000, 60,000 and 80,000; the model
 *       adapts by itself, so the rise in error is short.
 *   <li>Stationary: the same two error sources on SEA concept 1 alone (every signal is a false
 *       alarm).
 * </ul>
 *
 * <p>A drift counts as detected by the first signal at or after it and before the next drift;
 * the delay is that signal's row minus the drift's; other signals are extra alarms.
 *
 * <p>Run with {@code mvn -B test -pl solstice-online -am -Pfigures -Dtest=DetectionFigures
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class DetectionFigures {
  private static final int ROWS = 100_000;
  private static final int[] STATIC_DRIFTS = {30_000, 60_000};
  private static final int[] STATIC_CONCEPTS = {1, 3, 4};
  private static final int[] ADAPTIVE_DRIFTS = {20_000, 40_000, 60_000, 80_000};
  private static final int[] ADAPTIVE_CONCEPTS = {1, 3, 4, 2, 1};
  private static final int SEEDS = 10;

  @Test
  void printDetectionFigures() {
    for (boolean adaptive : new boolean[] {false, true}) {
      int[] drifts = adaptive ? ADAPTIVE_DRIFTS : STATIC_DRIFTS;
      int[] concepts = adaptive ? ADAPTIVE_CONCEPTS : STATIC_CONCEPTS;
      List<double[]> drifting = new ArrayList<>();
      List<double[]> stationary = new ArrayList<>();
      for (int seed = 1; seed <= SEEDS; seed++) {
        drifting.add(errors(sea(seed, drifts, concepts), adaptive));
        stationary.add(errors(sea(seed + 100, new int[0], concepts), adaptive));
      }
      System.out.println(adaptive ? "Adaptive learner" : "Static classifier");
      System.out.println("| detector | implementation | mean delay (rows) | detected / drifts | extra alarms on drifting | false alarms per 100,000 stationary rows |");
      System.out.println("|---|---|---|---|---|---|");
      report("ADWIN", Adwin::new, () -> prepared(new ADWINChangeDetector()), drifts, drifting, stationary);
      report("Page-Hinkley", PageHinkley::new, () -> prepared(new PageHinkleyDM()), drifts, drifting, stationary);
      report("DDM", Ddm::new, () -> prepared(new DDM()), drifts, drifting, stationary);
    }
  }

  private static ChangeDetector prepared(moa.classifiers.core.driftdetection.AbstractChangeDetector detector) {
    detector.prepareForUse();
    return detector;
  }

  private static RowGenerator sea(int seed, int[] drifts, int[] concepts) {
    RowGenerator stream = SeaGenerator.of(concepts[0], seed);
    for (int d = 0; d < drifts.length; d++) {
      stream = new ConceptDrift(stream, SeaGenerator.of(concepts[d + 1], seed * 10 + d), drifts[d], 1, seed);
    }
    return stream;
  }

  /**
   * Per-row errors (1 when the prediction was wrong) of online logistic regression, predicting
   * each row before learning it, or of concept 1's rule.
   */
  private static double[] errors(RowGenerator stream, boolean adaptive) {
    OnlineLogisticRegression model =
        new OnlineLogisticRegression(3, 2, LinearOptions.defaults().withUpdater(new AdaGrad(0.1)));
    double[] row = new double[3];
    float[] x = new float[3];
    double[] errors = new double[ROWS];
    for (int i = 0; i < ROWS; i++) {
      int label = stream.next(row);
      for (int j = 0; j < 3; j++) {
        x[j] = (float) row[j];
      }
      int predicted = adaptive ? model.learn(x, label) : row[0] + row[1] > 8 ? 1 : 0;
      errors[i] = predicted == label ? 0 : 1;
    }
    return errors;
  }

  private static void report(
      String name,
      Supplier<DriftDetector> ours,
      Supplier<ChangeDetector> moa,
      int[] drifts,
      List<double[]> drifting,
      List<double[]> stationary) {
    Figures solstice = new Figures(drifts);
    Figures reference = new Figures(drifts);
    for (double[] errors : drifting) {
      solstice.addDrifting(signals(ours.get(), errors));
      reference.addDrifting(signals(moa.get(), errors));
    }
    for (double[] errors : stationary) {
      solstice.addStationary(signals(ours.get(), errors));
      reference.addStationary(signals(moa.get(), errors));
    }
    System.out.println(solstice.row(name, "Solstice"));
    System.out.println(reference.row(name, "MOA 2024.07.0"));
    assertThat(solstice.row(name, "")).isEqualTo(reference.row(name, ""));
  }

  /** The indices of the values at which the detector reported a drift. */
  static List<Integer> signals(DriftDetector detector, double[] errors) {
    List<Integer> drifts = new ArrayList<>();
    for (int i = 0; i < errors.length; i++) {
      if (detector.update(errors[i]) == DriftState.DRIFT) {
        drifts.add(i);
      }
    }
    return drifts;
  }

  private static List<Integer> signals(ChangeDetector detector, double[] errors) {
    List<Integer> drifts = new ArrayList<>();
    for (int i = 0; i < errors.length; i++) {
      detector.input(errors[i]);
      if (detector.getChange()) {
        drifts.add(i);
      }
    }
    return drifts;
  }

  /** Accumulates delays, misses and alarms over streams. */
  private static final class Figures {
    final int[] driftRows;
    long delaySum;
    int detected;
    int drifts;
    int extra;
    int falseAlarms;
    int stationaryStreams;

    Figures(int[] driftRows) {
      this.driftRows = driftRows;
    }

    void addDrifting(List<Integer> signals) {
      extra += (int) signals.stream().filter(s -> s < driftRows[0]).count();
      for (int d = 0; d < driftRows.length; d++) {
        int start = driftRows[d];
        int end = d + 1 < driftRows.length ? driftRows[d + 1] : ROWS;
        List<Integer> inside = signals.stream().filter(s -> s >= start && s < end).toList();
        drifts++;
        if (!inside.isEmpty()) {
          detected++;
          delaySum += inside.get(0) - start;
          extra += inside.size() - 1;
        }
      }
    }

    void addStationary(List<Integer> signals) {
      falseAlarms += signals.size();
      stationaryStreams++;
    }

    String row(String name, String implementation) {
      return String.format("| %s | %s | %s | %d / %d | %d | %.1f |", name, implementation,
          detected == 0 ? "-" : String.format("%.0f", (double) delaySum / detected), detected, drifts,
          extra, (double) falseAlarms / stationaryStreams);
    }
  }
}
