package io.solstice.core.nd4j;

import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fills a freshly created parameter with its initial values.
 *
 * <p>Fan-in and fan-out follow the layout of a dense layer, {@code y = x W + b} with {@code W}
 * of shape [in, out]: fan-in is the first dimension and fan-out the second; a vector has
 * fan-in = fan-out = its length. Every initialiser draws from the generator it is given:
 * {@link Parameters.Builder#build()} gives each build its own {@link java.util.SplittableRandom}
 * seeded with {@link Parameters.Builder#seed}, so a seed gives the same values on every run, on
 * any thread, whatever else runs in the process. Draw only from that generator (never from
 * ND4J's random ops or a shared generator) to keep that promise.
 *
 * <p>Thread-safe as long as the implementation keeps no mutable state (the built-in ones keep
 * none); the generator it is given belongs to one build on one thread.
 */
@FunctionalInterface
public interface Initializer {

  /**
   * Writes the initial values into {@code target}.
   *
   * @param target the parameter, written in place
   * @param fanIn the number of inputs feeding each output
   * @param fanOut the number of outputs each input feeds
   * @param random the build's seeded generator, to draw from in C order of {@code target}
   */
  void initialize(INDArray target, long fanIn, long fanOut, RandomGenerator random);

  /**
   * All zeros (the usual choice for biases).
   *
   * @return the initialiser
   */
  static Initializer zeros() {
    return constant(0);
  }

  /**
   * Every value the same.
   *
   * @param value the value
   * @return the initialiser
   */
  static Initializer constant(double value) {
    return (target, fanIn, fanOut, random) -> target.assign(value);
  }

  /**
   * Xavier/Glorot uniform: U(-a, a) with a = sqrt(6 / (fanIn + fanOut)), for tanh and
   * linear layers (Glorot and Bengio, 2010).
   *
   * @return the initialiser
   */
  static Initializer xavierUniform() {
    return (target, fanIn, fanOut, random) ->
        RandomFill.uniform(target, Math.sqrt(6.0 / (fanIn + fanOut)), random);
  }

  /**
   * Xavier/Glorot normal: N(0, 2 / (fanIn + fanOut)).
   *
   * @return the initialiser
   */
  static Initializer xavierNormal() {
    return (target, fanIn, fanOut, random) ->
        RandomFill.normal(target, Math.sqrt(2.0 / (fanIn + fanOut)), random);
  }

  /**
   * He/Kaiming normal: N(0, 2 / fanIn), for ReLU layers (He et al., 2015).
   *
   * @return the initialiser
   */
  static Initializer heNormal() {
    return (target, fanIn, fanOut, random) ->
        RandomFill.normal(target, Math.sqrt(2.0 / fanIn), random);
  }

  /**
   * He/Kaiming uniform: U(-a, a) with a = sqrt(6 / fanIn).
   *
   * @return the initialiser
   */
  static Initializer heUniform() {
    return (target, fanIn, fanOut, random) ->
        RandomFill.uniform(target, Math.sqrt(6.0 / fanIn), random);
  }
}
