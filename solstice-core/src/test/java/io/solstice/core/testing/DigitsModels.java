package io.solstice.core.testing;

import io.solstice.core.data.DigitsDataset;
import io.solstice.core.models.MlpClassifier;
import io.solstice.core.models.SameDiffExperiment;
import io.solstice.core.nd4j.Initializer;
import io.solstice.core.nd4j.Parameters;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Seeded digits classifiers of each hand-written kind, shared by the model tests and the
 * concurrency suites of other modules (through the core's test jar).
 */
public final class DigitsModels {

  private DigitsModels() {}

  /**
   * A small MLP with dropout, so that training draws masks: 64-32-10, dropout 0.25, Adam.
   *
   * @param seed the model's seed
   * @return a new model
   */
  public static MlpClassifier mlpWithDropout(long seed) {
    return MlpClassifier.builder()
        .inputs(DigitsDataset.FEATURES).hidden(32).classes(DigitsDataset.CLASSES)
        .dropout(0.25).updater(new Adam(3e-3)).seed(seed).build();
  }

  /**
   * A 64-128-10 ReLU MLP as a SameDiff graph, its weights drawn by Solstice's seeded
   * {@link Parameters} (He-normal, then Xavier-uniform for the output layer).
   *
   * @param seed the seed of the initial weights
   * @return a new graph with placeholders {@code input}, {@code label} and outputs
   *     {@code probabilities}, {@code loss}
   */
  public static SameDiff sameDiffGraph(long seed) {
    Parameters init =
        Parameters.builder()
            .seed(seed)
            .weight("w0", Initializer.heNormal(), 64, 128)
            .bias("b0", Initializer.zeros(), 1, 128)
            .weight("w1", Initializer.xavierUniform(), 128, 10)
            .bias("b1", Initializer.zeros(), 1, 10)
            .build();
    SameDiff sd = SameDiff.create();
    SDVariable input = sd.placeHolder("input", DataType.FLOAT, -1, 64);
    SDVariable label = sd.placeHolder("label", DataType.FLOAT, -1, 10);
    SDVariable w0 = sd.var("w0", init.get("w0").dup());
    SDVariable b0 = sd.var("b0", init.get("b0").dup());
    SDVariable w1 = sd.var("w1", init.get("w1").dup());
    SDVariable b1 = sd.var("b1", init.get("b1").dup());
    SDVariable hidden = sd.nn.relu(input.mmul(w0).add(b0), 0);
    SDVariable logits = hidden.mmul(w1).add(b1);
    sd.nn.softmax("probabilities", logits, 1);
    sd.loss.softmaxCrossEntropy("loss", label, logits, null);
    return sd;
  }

  /**
   * {@link #sameDiffGraph} as an experiment trained with {@code Adam(3e-3)}.
   *
   * @param seed the seed of the initial weights
   * @return a new experiment
   */
  public static SameDiffExperiment sameDiff(long seed) {
    return SameDiffExperiment.builder(sameDiffGraph(seed))
        .features("input").labels("label")
        .loss("loss").predictions("probabilities")
        .updater(new Adam(3e-3))
        .build();
  }
}
