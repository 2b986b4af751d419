package io.solstice.online.streams;

import java.util.Random;

/**
 * The random radial-basis-function stream with moving centroids (Bifet et al., "New ensemble
 * methods for evolving data streams", KDD 2009; MOA's {@code RandomRBFGeneratorDrift}): a model
 * of {@code centroids} random centres in [0, 1]^d, each with a class, a standard deviation and a
 * weight, drawn from the model seed. A row picks a centroid by weight and lies in a random
 * direction from its centre at a Gaussian distance scaled by the centroid's deviation. The
 * first {@code driftCentroids} centres move by {@code speed} per row along a random unit
 * direction, bouncing off the unit cube's faces: gradual drift whose speed is {@code speed}.
 *
 * <p>Draws follow MOA's generator call for call, so rows equal MOA's for the same seeds and
 * parameters.
 */
public final class RandomRbfGenerator implements RowGenerator {
  private final int classes;
  private final double speed;
  private final double[][] centres;
  private final int[] labels;
  private final double[] deviations;
  private final double[] weights;
  private final double totalWeight;
  private final double[][] velocities;
  private final Random random;
  private final double[] direction;

  /**
   * A generator.
   *
   * @param modelSeed the seed of the centroids (MOA's {@code -r})
   * @param instanceSeed the seed of the rows (MOA's {@code -i})
   * @param classes the number of classes (default 2)
   * @param features the number of attributes (default 10)
   * @param centroids the number of centroids (default 50)
   * @param speed how far a moving centre travels per row (default 0; 0.0001 is common)
   * @param driftCentroids how many centres move (default 50)
   */
  public RandomRbfGenerator(
      int modelSeed, int instanceSeed, int classes, int features, int centroids, double speed, int driftCentroids) {
    if (classes < 2 || features < 1 || centroids < 1 || driftCentroids < 0) {
      throw new IllegalArgumentException("need 2+ classes, 1+ features and 1+ centroids");
    }
    this.classes = classes;
    this.speed = speed;
    Random model = new Random(modelSeed);
    this.centres = new double[centroids][features];
    this.labels = new int[centroids];
    this.deviations = new double[centroids];
    this.weights = new double[centroids];
    for (int c = 0; c < centroids; c++) {
      for (int j = 0; j < features; j++) {
        centres[c][j] = model.nextDouble();
      }
      labels[c] = model.nextInt(classes);
      deviations[c] = model.nextDouble();
      weights[c] = model.nextDouble();
    }
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    this.totalWeight = total;
    // The velocities come from a second generator of the same model seed, as in MOA.
    Random velocityRandom = new Random(modelSeed);
    int moving = Math.min(driftCentroids, centroids);
    this.velocities = new double[moving][features];
    for (int c = 0; c < moving; c++) {
      double norm = 0;
      for (int j = 0; j < features; j++) {
        velocities[c][j] = velocityRandom.nextDouble();
        norm += velocities[c][j] * velocities[c][j];
      }
      norm = Math.sqrt(norm);
      for (int j = 0; j < features; j++) {
        velocities[c][j] /= norm;
      }
    }
    this.random = new Random(instanceSeed);
    this.direction = new double[features];
  }

  @Override
  public int features() {
    return direction.length;
  }

  @Override
  public int classes() {
    return classes;
  }

  @Override
  public int next(double[] x) {
    moveCentres();
    int c = pickCentroid();
    int d = direction.length;
    double magnitude = 0;
    for (int j = 0; j < d; j++) {
      direction[j] = random.nextDouble() * 2.0 - 1.0;
      magnitude += direction[j] * direction[j];
    }
    magnitude = Math.sqrt(magnitude);
    double scale = random.nextGaussian() * deviations[c] / magnitude;
    for (int j = 0; j < d; j++) {
      x[j] = centres[c][j] + direction[j] * scale;
    }
    return labels[c];
  }

  private void moveCentres() {
    for (int c = 0; c < velocities.length; c++) {
      for (int j = 0; j < direction.length; j++) {
        centres[c][j] += velocities[c][j] * speed;
        if (centres[c][j] > 1) {
          centres[c][j] = 1;
          velocities[c][j] = -velocities[c][j];
        }
        if (centres[c][j] < 0) {
          centres[c][j] = 0;
          velocities[c][j] = -velocities[c][j];
        }
      }
    }
  }

  /** Roulette selection by weight, exactly as MOA's {@code MiscUtils} draws it. */
  private int pickCentroid() {
    double target = random.nextDouble() * totalWeight;
    int index = 0;
    double cumulative = 0;
    while (cumulative <= target && index < weights.length) {
      cumulative += weights[index++];
    }
    return index - 1;
  }
}
