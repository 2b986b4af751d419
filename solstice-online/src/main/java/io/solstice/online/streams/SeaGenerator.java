package io.solstice.online.streams;

import java.util.Random;

/**
 * The SEA concepts (Street and Kim, "A streaming ensemble algorithm (SEA) for large-scale
 * classification", KDD 2001): three attributes uniform in [0, 10], of which only the first two
 * matter; a row is class 1 when {@code x1 + x2} exceeds the concept's threshold (8, 9, 7 and
 * 9.5 for concepts 1 to 4), and a given percentage of labels is flipped as noise.
 *
 * <p>Draws follow MOA's {@code moa.streams.generators.SEAGenerator} call for call (three
 * {@code nextDouble}, then {@code nextInt(100)} for the noise, from one {@link Random} seeded
 * with the instance seed), so the rows equal MOA's for the same seed and parameters.
 */
public final class SeaGenerator implements RowGenerator {
  private static final double[] THRESHOLDS = {8, 9, 7, 9.5};

  private final double threshold;
  private final int noisePercent;
  private final boolean balanced;
  private final Random random;
  private boolean nextShouldBeZero;

  /**
   * A generator.
   *
   * @param concept the concept (classification function), 1 to 4
   * @param noisePercent the percentage of labels flipped, 0 to 100 (the literature uses 10)
   * @param balanced whether to draw rows until classes alternate (MOA's {@code -b})
   * @param seed the seed of the rows
   */
  public SeaGenerator(int concept, int noisePercent, boolean balanced, int seed) {
    if (concept < 1 || concept > 4) {
      throw new IllegalArgumentException("SEA concept must be 1 to 4, was " + concept);
    }
    if (noisePercent < 0 || noisePercent > 100) {
      throw new IllegalArgumentException("noisePercent must be 0 to 100, was " + noisePercent);
    }
    this.threshold = THRESHOLDS[concept - 1];
    this.noisePercent = noisePercent;
    this.balanced = balanced;
    this.random = new Random(seed);
  }

  /**
   * Concept {@code concept} with the published 10% noise, unbalanced.
   *
   * @param concept 1 to 4
   * @param seed the seed
   * @return the generator
   */
  public static SeaGenerator of(int concept, int seed) {
    return new SeaGenerator(concept, 10, false, seed);
  }

  @Override
  public int features() {
    return 3;
  }

  @Override
  public int classes() {
    return 2;
  }

  @Override
  public int next(double[] features) {
    int label;
    while (true) {
      for (int i = 0; i < 3; i++) {
        features[i] = 10 * random.nextDouble();
      }
      label = features[0] + features[1] <= threshold ? 0 : 1;
      if (!balanced || (label == 0) == nextShouldBeZero) {
        break;
      }
    }
    if (balanced) {
      nextShouldBeZero = !nextShouldBeZero;
    }
    return Noise.flip(random, noisePercent, label);
  }
}
