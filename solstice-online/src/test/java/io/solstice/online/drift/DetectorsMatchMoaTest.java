package io.solstice.online.drift;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import moa.classifiers.core.driftdetection.ADWINChangeDetector;
import moa.classifiers.core.driftdetection.ChangeDetector;
import moa.classifiers.core.driftdetection.DDM;
import moa.classifiers.core.driftdetection.PageHinkleyDM;
import org.junit.jupiter.api.Test;

/**
 * ADWIN, Page-Hinkley and DDM report the same drifts as MOA's {@code ADWINChangeDetector},
 * {@code PageHinkleyDM} and {@code DDM} with default options on the same error streams: not
 * only within 1% of the stream length but at the same rows, with the same estimates, and DDM's
 * warnings too. Two-sided ADWIN cuts where MOA's {@code ADWIN} itself does.
 */
class DetectorsMatchMoaTest {

  private static final int[] CHANGES = {20_000, 40_000, 60_000, 80_000};

  @Test
  void adwinDetectsWhereMoaAdwinChangeDetectorDoes() {
    for (double[] errors : streams()) {
      assertSameSignals(Adwin::new, prepared(ADWINChangeDetector::new), errors);
    }
  }

  @Test
  void adwinOnRealValuesDetectsWhereMoaDoes() {
    java.util.Random random = new java.util.Random(11);
    double[] values = new double[50_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextDouble() * (i < 25_000 ? 1.0 : 0.8);
    }
    assertSameSignals(Adwin::new, prepared(ADWINChangeDetector::new), values);
  }

  @Test
  void twoSidedAdwinCutsWhereMoaAdwinDoes() {
    for (double[] errors : streams()) {
      Adwin ours = Adwin.twoSided(0.002);
      moa.classifiers.core.driftdetection.ADWIN moa = new moa.classifiers.core.driftdetection.ADWIN(0.002);
      List<Integer> ourCuts = new ArrayList<>();
      List<Integer> moaCuts = new ArrayList<>();
      for (int i = 0; i < errors.length; i++) {
        if (ours.update(errors[i]) == DriftState.DRIFT) {
          ourCuts.add(i);
        }
        if (moa.setInput(errors[i])) {
          moaCuts.add(i);
        }
        assertThat(ours.width()).isEqualTo(moa.getWidth());
      }
      assertThat(ourCuts).isEqualTo(moaCuts);
      if (errors != STATIONARY) {
        assertThat(ourCuts).isNotEmpty();
      }
    }
  }

  @Test
  void pageHinkleyDetectsWhereMoaPageHinkleyDmDoes() {
    for (double[] errors : streams()) {
      assertSameSignals(PageHinkley::new, prepared(PageHinkleyDM::new), errors);
    }
  }

  @Test
  void ddmDetectsAndWarnsWhereMoaDdmDoes() {
    for (double[] errors : streams()) {
      assertSameSignals(Ddm::new, prepared(DDM::new), errors);
    }
  }

  @Test
  void theFirstValueOfAConceptThatCanReportADriftIsTheOneMoaAllows() {
    // Every value far above the last: Page-Hinkley's sum passes lambda at once. No error in the
    // first 29 values, then only errors: DDM's minimum is p = s = 0, so the first error drifts.
    double[] rising = new double[40];
    double[] errors = new double[40];
    for (int i = 0; i < rising.length; i++) {
      rising[i] = 1e6 * (i + 1);
      errors[i] = i < 29 ? 0 : 1;
    }
    assertThat(DetectionFigures.signals(new PageHinkley(), rising)).as("value 29 (index 28); the next concept's 29th is past the end")
        .containsExactly(28);
    assertSameSignals(PageHinkley::new, prepared(PageHinkleyDM::new), rising);
    assertThat(DetectionFigures.signals(new Ddm(), errors)).as("value 30 (index 29) first").startsWith(29);
    assertSameSignals(Ddm::new, prepared(DDM::new), errors);
  }

  private static final double[] STATIONARY =
      ErrorStreams.bernoulli(100_000, new int[0], new double[] {0.2}, 2);

  private static List<double[]> streams() {
    return List.of(
        ErrorStreams.bernoulli(100_000, CHANGES, new double[] {0.1, 0.3, 0.1, 0.2, 0.05}, 1),
        STATIONARY,
        ErrorStreams.seaRuleErrors(100_000, CHANGES, new int[] {1, 3, 1, 4, 2}, 3));
  }

  /** MOA's detector made ready to use, as MOA's own tasks do. */
  private static Supplier<ChangeDetector> prepared(Supplier<ChangeDetector> make) {
    return () -> {
      ChangeDetector moa = make.get();
      moa.prepareForUse();
      return moa;
    };
  }

  /** Feeds both; every drift and every warning value must coincide. */
  private static void assertSameSignals(
      Supplier<DriftDetector> ours, Supplier<ChangeDetector> moaFactory, double[] values) {
    DriftDetector detector = ours.get();
    ChangeDetector moa = moaFactory.get();
    List<Integer> ourDrifts = new ArrayList<>();
    List<Integer> moaDrifts = new ArrayList<>();
    int ourWarnings = 0;
    int moaWarnings = 0;
    for (int i = 0; i < values.length; i++) {
      DriftState state = detector.update(values[i]);
      moa.input(values[i]);
      if (state == DriftState.DRIFT) {
        ourDrifts.add(i);
      }
      if (moa.getChange()) {
        moaDrifts.add(i);
      }
      ourWarnings += state == DriftState.WARNING ? 1 : 0;
      moaWarnings += moa.getWarningZone() && !moa.getChange() ? 1 : 0;
      if (Double.compare(detector.estimate(), moa.getEstimation()) != 0 && !moa.getChange()) {
        throw new AssertionError("estimate differs at " + i + ": " + detector.estimate() + " vs " + moa.getEstimation());
      }
    }
    assertThat(ourDrifts).isEqualTo(moaDrifts);
    // Each stream with changes makes every detector fire; the stationary one may not.
    if (values.length == 100_000 && values != STATIONARY) {
      assertThat(ourDrifts).isNotEmpty();
    }
    assertThat(ourWarnings).isEqualTo(moaWarnings);
    assertThat(detector.seen()).isEqualTo(values.length);
  }
}
