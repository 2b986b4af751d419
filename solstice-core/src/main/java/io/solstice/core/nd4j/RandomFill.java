package io.solstice.core.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;

/** Draws random values into an existing array (which may be a view) from a given generator. */
final class RandomFill {

  private RandomFill() {}

  /** Fills {@code target} with U(-limit, limit). */
  static void uniform(INDArray target, double limit, Random random) {
    // Draw into a fresh C-order array, then copy: ND4J's random ops write whole buffers, and
    // the target is usually a view into a flat parameter buffer. Runs once per parameter.
    INDArray draw = random.nextDouble('c', target.shape());
    target.assign(draw.muli(2 * limit).subi(limit));
    draw.close();
  }

  /** Fills {@code target} with N(0, std^2). */
  static void normal(INDArray target, double std, Random random) {
    INDArray draw = random.nextGaussian('c', target.shape());
    target.assign(draw.muli(std));
    draw.close();
  }
}
