package io.solstice.cuda.internal;

/**
 * The optimizer a device experiment applies, in numbers the kernels take: Adam or plain SGD,
 * with ND4J's formulas (Adam's step size with the bias correction folded in, as the host Adam
 * computes it) and a learning rate that may follow a schedule.
 *
 * @param adam true for Adam, false for SGD
 * @param learningRate the learning rate at (iteration, epoch)
 * @param beta1 Adam's first-moment decay
 * @param beta2 Adam's second-moment decay
 * @param epsilon Adam's epsilon
 */
public record UpdateRule(
    boolean adam, LearningRate learningRate, double beta1, double beta2, double epsilon) {

  /** ND4J's Adam defaults: learning rate 1e-3, betas 0.9 and 0.999, epsilon 1e-8. */
  public static final double ADAM_LEARNING_RATE = 1e-3;
  public static final double ADAM_BETA1 = 0.9;
  public static final double ADAM_BETA2 = 0.999;
  public static final double ADAM_EPSILON = 1e-8;

  /** A learning rate as a function of the iteration and epoch (a fixed rate or a schedule). */
  @FunctionalInterface
  public interface LearningRate {
    /** The rate at this iteration and epoch. */
    double at(int iteration, int epoch);
  }

  /** Adam with ND4J's default hyper-parameters and this fixed learning rate. */
  public static UpdateRule adam(double learningRate) {
    return new UpdateRule(true, (i, e) -> learningRate, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON);
  }

  /** Plain SGD with this fixed learning rate. */
  public static UpdateRule sgd(double learningRate) {
    return new UpdateRule(false, (i, e) -> learningRate, 0, 0, 0);
  }

  /** The same rule with another learning rate (a schedule replacing the fixed rate). */
  public UpdateRule withLearningRate(LearningRate rate) {
    return new UpdateRule(adam, rate, beta1, beta2, epsilon);
  }

  /**
   * Adam's step size at this iteration: the learning rate times the bias corrections,
   * {@code lr * sqrt(1 - beta2^(t+1)) / (1 - beta1^(t+1))}, in float64 then rounded to float32,
   * exactly as the host Adam computes it.
   *
   * @param iteration from 0
   * @param epoch the epoch
   * @return the step size the Adam kernel takes
   */
  public float adamStepSize(int iteration, int epoch) {
    return (float) (learningRate.at(iteration, epoch)
        * Math.sqrt(1 - Math.pow(beta2, iteration + 1.0)) / (1 - Math.pow(beta1, iteration + 1.0)));
  }
}
