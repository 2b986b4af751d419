package io.solstice.benchmarks.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.models.MlpClassifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The two sides of a comparison take turns with the two copies, pair by pair. */
class TradedModelsTest {

  @Test
  void eachSideTrainsEachCopyInEveryOtherPairAndKeepsWhatItsTrainingReturned() {
    List<MlpClassifier> built = new ArrayList<>();
    TradedModels models = new TradedModels(() -> {
      MlpClassifier model = Models.mlp(3, 4, 2);
      built.add(model);
      return model;
    });
    List<MlpClassifier> seenByA = new ArrayList<>();
    List<MlpClassifier> seenByB = new ArrayList<>();
    MlpClassifier replacement = Models.mlp(3, 4, 2);

    for (int pair = 0; pair < 3; pair++) {
      models.trainA(model -> {
        seenByA.add(model);
        return model;
      });
      int thisPair = pair;
      models.trainB(model -> {
        seenByB.add(model);
        // What a side's training returns is what it trains next time.
        return thisPair == 0 ? replacement : model;
      });
    }

    assertThat(built).hasSize(2);
    assertThat(seenByA).containsExactly(built.get(0), replacement, built.get(0));
    assertThat(seenByB).containsExactly(built.get(1), built.get(0), replacement);
  }
}
