package io.solstice.cuda.internal;

import java.util.SplittableRandom;

/**
 * The initial parameters of a device MLP, drawn on the host in Java: He-normal weights for the
 * ReLU layers, Xavier-uniform for the output layer and zero biases, the distributions
 * {@code MlpClassifier} uses. The draws differ from the CPU model's for the same seed (its
 * generator is ND4J's native one, which the device path does not load); start both from one
 * state with {@code withState} to compare them.
 */
public final class HostInitializer {

  private HostInitializer() {}

  /**
   * The initial values of every parameter, in layout order.
   *
   * @param layout the layout
   * @param seed the seed
   * @return a new array of {@link MlpLayout#length()} values
   */
  public static float[] initialValues(MlpLayout layout, long seed) {
    float[] values = new float[Math.toIntExact(layout.length())];
    SplittableRandom random = new SplittableRandom(seed);
    int layers = layout.layers();
    for (int l = 0; l < layers; l++) {
      MlpLayout.Slot weight = layout.weight(l);
      long fanIn = weight.shape()[0];
      long fanOut = weight.shape()[1];
      int from = (int) weight.offset();
      int to = from + (int) weight.length();
      if (l < layers - 1) {
        double std = Math.sqrt(2.0 / fanIn);
        for (int i = from; i < to; i++) {
          values[i] = (float) (random.nextGaussian() * std);
        }
      } else {
        double limit = Math.sqrt(6.0 / (fanIn + fanOut));
        for (int i = from; i < to; i++) {
          values[i] = (float) random.nextDouble(-limit, limit);
        }
      }
    }
    return values;
  }
}
