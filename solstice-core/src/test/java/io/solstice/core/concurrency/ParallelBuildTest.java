package io.solstice.core.concurrency;

import static io.solstice.core.testing.ParallelBuilds.assertEveryBuildMatchesItsLoneTwin;

import io.solstice.core.data.DigitsDataset;
import io.solstice.core.models.MlpClassifier;
import io.solstice.core.models.SameDiffExperiment;
import io.solstice.core.testing.DigitsModels;
import io.solstice.core.testing.ParallelBuilds;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.weightinit.impl.XavierInitScheme;

/**
 * Seeded model builds give the same bits however many run at once: see {@link ParallelBuilds}
 * for the count (800 concurrent builds per kind) and the chance of missing a rare fault.
 */
class ParallelBuildTest {

  @Test
  void mlpClassifierBuildsAtOnceEqualTheirLoneTwins() {
    // Seeds 0 to 7: 0 is the builder's default, which ND4J's own generator does not honour.
    assertEveryBuildMatchesItsLoneTwin(0, seed ->
        MlpClassifier.builder().inputs(DigitsDataset.FEATURES).hidden(128)
            .classes(DigitsDataset.CLASSES).dropout(0.25).seed(seed).build().state());
  }

  @Test
  void sameDiffExperimentBuildsAtOnceEqualTheirLoneTwins() {
    assertEveryBuildMatchesItsLoneTwin(0, seed -> DigitsModels.sameDiff(seed).state());
  }

  /**
   * SameDiff's own weight-init schemes draw from the building thread's ND4J generator, which
   * ND4J keeps per thread: seeded (with anything but 0) on that thread, concurrent builds on
   * other threads do not disturb it.
   */
  @Test
  void sameDiffOwnWeightInitSeededOnTheBuildingThreadEqualsItsLoneTwin() {
    assertEveryBuildMatchesItsLoneTwin(1, seed -> {
      Nd4j.getRandom().setSeed(seed);
      SameDiff sd = SameDiff.create();
      SDVariable input = sd.placeHolder("input", DataType.FLOAT, -1, 64);
      SDVariable label = sd.placeHolder("label", DataType.FLOAT, -1, 10);
      SDVariable w = sd.var("w", new XavierInitScheme('c', 64, 10), DataType.FLOAT, 64, 10);
      SDVariable b = sd.var("b", new XavierInitScheme('c', 64, 10), DataType.FLOAT, 1, 10);
      SDVariable logits = input.mmul(w).add(b);
      sd.nn.softmax("probabilities", logits, 1);
      sd.loss.softmaxCrossEntropy("loss", label, logits, null);
      return SameDiffExperiment.builder(sd).features("input").labels("label").loss("loss")
          .predictions("probabilities").updater(new Adam(1e-3)).build().state();
    });
  }
}
