package io.solstice.core.nd4j;

import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Draws random values into an existing array (which may be a view) from a Java generator.
 *
 * <p>The values are drawn in Java, never by ND4J's native random ops: ND4J's native generator
 * does not honour the seed 0 (its draws then depend on what the process drew before), and a
 * Java generator owned by one build shares no state with anything else running. Normal values
 * use Marsaglia's polar method with {@link StrictMath#log}, so a seed gives the same bits on
 * every JVM and platform.
 */
final class RandomFill {

  private RandomFill() {}

  /** Fills {@code target} with U(-limit, limit), in C order. */
  static void uniform(INDArray target, double limit, RandomGenerator random) {
    double[] values = new double[length(target)];
    for (int i = 0; i < values.length; i++) {
      values[i] = limit * (2 * random.nextDouble() - 1);
    }
    write(target, values);
  }

  /** Fills {@code target} with N(0, std^2), in C order. */
  static void normal(INDArray target, double std, RandomGenerator random) {
    double[] values = new double[length(target)];
    for (int i = 0; i < values.length; i += 2) {
      double u;
      double v;
      double s;
      do {
        u = 2 * random.nextDouble() - 1;
        v = 2 * random.nextDouble() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s == 0);
      double factor = std * Math.sqrt(-2 * StrictMath.log(s) / s);
      values[i] = u * factor;
      if (i + 1 < values.length) {
        values[i + 1] = v * factor;
      }
    }
    write(target, values);
  }

  private static int length(INDArray target) {
    if (target.length() > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "cannot initialise a parameter of " + target.length() + " values; the limit is "
              + (Integer.MAX_VALUE - 8));
    }
    return (int) target.length();
  }

  /** Copies C-order values into the target, casting to its data type. Runs once per parameter. */
  private static void write(INDArray target, double[] values) {
    try (INDArray source = Nd4j.createFromArray(values)) {
      target.assign(source.reshape('c', target.shape()));
    }
  }
}
