package io.solstice.online.linear;

import io.solstice.core.nd4j.SubnormalMoments;
import java.util.Objects;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * SGD, AdaGrad or Adam applied in Java to a flat float parameter array, configured with ND4J's
 * own updater configurations ({@code new Sgd(0.01)}, {@code new AdaGrad(0.1)}, {@code new
 * Adam(1e-3)}) so the same objects, learning-rate schedules included, configure the MLPs'
 * {@code Optimizer} and these models. The arithmetic is ND4J's: AdaGrad {@code h += g^2; w -= lr
 * g / (sqrt(h) + eps)} with {@code h} starting at {@code eps}; Adam with bias correction folded
 * into the step size, and Adam's moments that underflow stored as zero ({@link SubnormalMoments}:
 * with sparse features, most of a row's gradients are zero, and a moment left to decay would stay
 * subnormal, slow on every later row).
 *
 * <p>Why not ND4J's {@code Optimizer}: an online linear model updates a few dozen parameters per
 * row, and one ND4J op call costs more than the whole update; these loops stay on float arrays.
 *
 * <p>Not thread-safe.
 */
final class LinearUpdater {
  private enum Kind { SGD, ADAGRAD, ADAM }

  private final IUpdater config;
  private final Kind kind;
  private final double epsilon;
  private final double beta1;
  private final double beta2;
  /** Whether Adam's second moment is flushed too ({@link SubnormalMoments#flushesSecondMoment}). */
  private final boolean flushSecond;
  /** AdaGrad's sum of squares, or Adam's first moment; empty for SGD. */
  final float[] first;
  /** Adam's second moment; empty otherwise. */
  final float[] second;
  long iteration;
  /** A factor on the learning rate for the next {@link #boostedSteps} steps (a drift reaction). */
  double boost = 1;
  long boostedSteps;

  LinearUpdater(IUpdater config, int length) {
    this.config = Objects.requireNonNull(config, "updater").clone();
    if (config instanceof Sgd) {
      kind = Kind.SGD;
      epsilon = 0;
      beta1 = 0;
      beta2 = 0;
    } else if (config instanceof AdaGrad adaGrad) {
      kind = Kind.ADAGRAD;
      epsilon = adaGrad.getEpsilon();
      beta1 = 0;
      beta2 = 0;
    } else if (config instanceof Adam adam) {
      kind = Kind.ADAM;
      epsilon = adam.getEpsilon();
      beta1 = adam.getBeta1();
      beta2 = adam.getBeta2();
    } else {
      throw new IllegalArgumentException(
          "online linear models support Sgd, AdaGrad and Adam, not " + config.getClass().getSimpleName());
    }
    flushSecond = SubnormalMoments.flushesSecondMoment(epsilon);
    first = new float[kind == Kind.SGD ? 0 : length];
    second = new float[kind == Kind.ADAM ? length : 0];
    reset();
  }

  /** The names of the state arrays, in order: those of {@link #first} and {@link #second}. */
  String[] stateNames() {
    return switch (kind) {
      case SGD -> new String[0];
      case ADAGRAD -> new String[] {"grad"};
      case ADAM -> new String[] {"M", "V"};
    };
  }

  /**
   * Subtracts the update for {@code gradient} from {@code parameters} and advances the
   * iteration.
   */
  void step(float[] parameters, float[] gradient) {
    double rate = nextRate();
    for (int i = 0; i < parameters.length; i++) {
      update(parameters, i, gradient[i], rate);
    }
  }

  /**
   * One step on the gradient of one row, computed as it is applied (no gradient array): for
   * output {@code k}, {@code dz[k] x + l2 w} on its weights and {@code dz[k]} on its bias, where
   * {@code x} is the row at {@code x[offset]} and the layout is {@link LinearCore}'s. Equal, value
   * for value, to {@link #step} on that gradient.
   */
  void stepRow(float[] parameters, int outputs, int features, float[] x, int offset, double[] dz, float l2) {
    double rate = nextRate();
    int biases = outputs * features;
    if (kind == Kind.SGD) {
      // update()'s SGD case with the kind decided once per row, not once per parameter.
      float r = (float) rate;
      for (int k = 0, base = 0; k < outputs; k++, base += features) {
        float d = (float) dz[k];
        for (int i = 0; i < features; i++) {
          parameters[base + i] -= r * (d * x[offset + i] + l2 * parameters[base + i]);
        }
        parameters[biases + k] -= r * d;
      }
      return;
    }
    for (int k = 0, base = 0; k < outputs; k++, base += features) {
      float d = (float) dz[k];
      for (int i = 0; i < features; i++) {
        update(parameters, base + i, d * x[offset + i] + l2 * parameters[base + i], rate);
      }
      update(parameters, biases + k, d, rate);
    }
  }

  /**
   * The learning rate of this step (boosted if a boost is on; for Adam, with the bias correction
   * folded in), and advances the iteration.
   */
  private double nextRate() {
    double lr = config.getLearningRate((int) Math.min(Integer.MAX_VALUE, iteration), 0);
    if (boostedSteps > 0) {
      lr *= boost;
      boostedSteps--;
    }
    iteration++;
    if (kind == Kind.ADAM) {
      return lr * Math.sqrt(1 - Math.pow(beta2, iteration)) / (1 - Math.pow(beta1, iteration));
    }
    return lr;
  }

  /** Subtracts the update of parameter {@code i} for its gradient {@code g}. */
  private void update(float[] parameters, int i, float g, double rate) {
    switch (kind) {
      case SGD -> parameters[i] -= (float) rate * g;
      case ADAGRAD -> {
        first[i] += g * g;
        parameters[i] -= (float) (rate * g / (Math.sqrt(first[i]) + epsilon));
      }
      case ADAM -> {
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        first[i] = SubnormalMoments.flush(b1 * first[i] + (1 - b1) * g);
        float v = b2 * second[i] + (1 - b2) * g * g;
        second[i] = flushSecond ? SubnormalMoments.flush(v) : v;
        parameters[i] -= (float) (rate * first[i] / (Math.sqrt(second[i]) + epsilon));
      }
      default -> throw new IllegalStateException();
    }
  }

  /** Multiplies the learning rate by {@code factor} for the next {@code steps} steps. */
  void boost(double factor, long steps) {
    boost = factor;
    boostedSteps = steps;
  }

  /** Clears the state, as for a model trained from scratch. */
  void reset() {
    // ND4J starts AdaGrad's sum of squares at epsilon, not zero.
    java.util.Arrays.fill(first, kind == Kind.ADAGRAD ? (float) epsilon : 0);
    java.util.Arrays.fill(second, 0);
    iteration = 0;
    boostedSteps = 0;
  }
}
