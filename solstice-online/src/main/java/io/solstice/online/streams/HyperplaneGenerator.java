package io.solstice.online.streams;

import java.util.Random;

/**
 * The rotating hyperplane (Hulten, Spencer and Domingos, "Mining time-changing data streams",
 * KDD 2001, as defined in MOA): {@code d} attributes uniform in [0, 1]; a row is class 1 when
 * {@code sum(w_i x_i) >= 0.5 sum(w_i)}. After every row the first {@code driftFeatures} weights
 * move by {@code magnitude} in their direction, and each direction reverses with probability
 * {@code sigmaPercent}%: gradual drift whose speed is {@code magnitude}. A given percentage of
 * labels is flipped as noise.
 *
 * <p>Draws follow MOA's {@code moa.streams.generators.HyperplaneGenerator} call for call, so rows
 * equal MOA's for the same seed and parameters. (The examples' {@code RotatingHyperplane}, a
 * batch-indexed stream with an abrupt label flip, is a different, simpler definition.)
 */
public final class HyperplaneGenerator implements RowGenerator {
  private final int noisePercent;
  private final int sigmaPercent;
  private final double magnitude;
  private final int driftFeatures;
  private final double[] weights;
  private final int[] directions;
  private final Random random;

  /**
   * A generator.
   *
   * @param features the number of attributes (MOA's default 10)
   * @param driftFeatures how many weights drift (default 2)
   * @param magnitude how far a drifting weight moves per row (default 0: no drift; 0.001 is common)
   * @param noisePercent the percentage of labels flipped (default 5)
   * @param sigmaPercent the percentage chance per row that a drift direction reverses (default 10)
   * @param seed the seed
   */
  public HyperplaneGenerator(
      int features, int driftFeatures, double magnitude, int noisePercent, int sigmaPercent, int seed) {
    if (features < 1 || driftFeatures < 0 || driftFeatures > features) {
      throw new IllegalArgumentException(
          "need 1 or more features and 0 to features drifting, was " + features + ", " + driftFeatures);
    }
    this.noisePercent = noisePercent;
    this.sigmaPercent = sigmaPercent;
    this.magnitude = magnitude;
    this.driftFeatures = driftFeatures;
    this.random = new Random(seed);
    this.weights = new double[features];
    this.directions = new int[features];
    for (int i = 0; i < features; i++) {
      weights[i] = random.nextDouble();
      directions[i] = i < driftFeatures ? 1 : 0;
    }
  }

  @Override
  public int features() {
    return weights.length;
  }

  @Override
  public int classes() {
    return 2;
  }

  @Override
  public int next(double[] x) {
    double sum = 0;
    double sumWeights = 0;
    for (int i = 0; i < weights.length; i++) {
      x[i] = random.nextDouble();
      sum += weights[i] * x[i];
      sumWeights += weights[i];
    }
    int label = Noise.flip(random, noisePercent, sum >= sumWeights * 0.5 ? 1 : 0);
    for (int i = 0; i < driftFeatures; i++) {
      weights[i] += directions[i] * magnitude;
      if (1 + random.nextInt(100) <= sigmaPercent) {
        directions[i] = -directions[i];
      }
    }
    return label;
  }
}
