package io.solstice.core.models;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;

/** Both model builders (MLP and SameDiff) keep their updater here: always a copy. */
class OptimizerSettingsTest {

  @Test
  void anUpdaterChangedAfterItWasGivenChangesNothing() {
    Adam mine = new Adam(1e-3);
    OptimizerSettings settings = new OptimizerSettings(null);
    settings.updater(mine);
    mine.setLearningRate(0.5);

    assertThat(((Adam) settings.updater()).getLearningRate()).isEqualTo(1e-3);
  }

  @Test
  void theStartingUpdaterIsCopiedToo() {
    // SameDiff's default comes from the graph's TrainingConfig, which its owner may change.
    Adam graphs = new Adam(2e-3);
    OptimizerSettings settings = new OptimizerSettings(graphs);
    graphs.setLearningRate(0.5);

    assertThat(((Adam) settings.updater()).getLearningRate()).isEqualTo(2e-3);
  }
}
