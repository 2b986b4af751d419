package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.io.Json;
import io.solstice.core.metrics.MeanMetric;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Prequential}'s saved state, through JSON as a checkpoint's manifest takes it. */
class PrequentialStateTest {

  private static final double[] LOSSES = {0.9, 0.7, 0.4, 0.45, 0.3, 0.2, 0.25, 0.1};

  private static Map<String, Object> throughJson(Map<String, Object> state) throws IOException {
    return Json.readObject(Json.write(state));
  }

  @Test
  void aRestoredAccumulatorReportsWhatTheUninterruptedOneReports() throws IOException {
    Prequential<MeanMetric> straight = new Prequential<>(3, 0.9);
    Prequential<MeanMetric> first = new Prequential<>(3, 0.9);
    for (int i = 0; i < 5; i++) {
      straight.accept(MeanMetric.of("loss", LOSSES[i]));
      first.accept(MeanMetric.of("loss", LOSSES[i]));
    }
    Prequential<MeanMetric> resumed = new Prequential<>(3, 0.9);
    resumed.restoreState(throughJson(first.saveState()));

    for (int i = 5; i < LOSSES.length; i++) {
      PrequentialMetrics<MeanMetric> expected = straight.accept(MeanMetric.of("loss", LOSSES[i]));
      PrequentialMetrics<MeanMetric> actual = resumed.accept(MeanMetric.of("loss", LOSSES[i]));
      assertThat(actual.batches()).isEqualTo(expected.batches()).isEqualTo(i + 1);
      assertThat(actual.cumulative()).isEqualTo(expected.cumulative());
      assertThat(actual.window()).isEqualTo(expected.window());
      assertThat(actual.fading()).isEqualTo(expected.fading());
    }
  }

  @Test
  void aSmallerWindowKeepsTheNewestSavedBatches() throws IOException {
    Prequential<MeanMetric> saved = new Prequential<>(4, 1.0);
    for (double loss : LOSSES) {
      saved.accept(MeanMetric.of("loss", loss));
    }
    Prequential<MeanMetric> narrower = new Prequential<>(2, 1.0);
    narrower.restoreState(throughJson(saved.saveState()));

    PrequentialMetrics<MeanMetric> next = narrower.accept(MeanMetric.of("loss", 0.05));
    // The window now holds the last saved batch and the new one.
    assertThat(next.window().mean()).isEqualTo((0.1 + 0.05) / 2);
    assertThat(next.batches()).isEqualTo(LOSSES.length + 1);
  }

  @Test
  void nothingSummedSavesAnEmptyStateAndAStateOfAnotherKindIsRefused() {
    Prequential<MeanMetric> empty = new Prequential<>(3, 0.9);
    assertThat(empty.saveState()).isEmpty();

    Prequential<MeanMetric> target = new Prequential<>(3, 0.9);
    target.accept(MeanMetric.of("loss", 1));
    assertThatThrownBy(() -> target.restoreState(Map.of("batches", 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a saved prequential state");
    // Refused whole: the accumulator holds nothing, not half a state.
    assertThat(target.saveState()).isEmpty();
  }
}
