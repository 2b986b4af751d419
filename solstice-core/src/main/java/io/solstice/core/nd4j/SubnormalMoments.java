package io.solstice.core.nd4j;

/**
 * Adam's rule for moments that underflow: a moment smaller in magnitude than the smallest normal
 * value of its type ({@link Float#MIN_NORMAL}, {@link Double#MIN_NORMAL}) is stored as zero.
 *
 * <p>Why: a parameter whose gradient stays zero for a while (an input that is zero in these rows,
 * a ReLU unit that is off) has its first moment multiplied by {@code beta1} at every step, and
 * reaches the subnormal range after about 800 steps in float32. Rounding then keeps it there
 * (0.9 times 1 to 4 units of the last place rounds back to the same value), and x86 processors
 * take a microcode assist for every operation on a subnormal value. On a 2-core benchmark
 * machine, six epochs of 784-300-100-10 at batch 32 (200 steps each) left 150,447 of the first
 * layer's 235,200 first moments subnormal, and the update took 943-1,436 us in epochs 4 to 6
 * against 211 us in the third (a scratch loop of {@code gradients} and {@code Optimizer.step};
 * see docs/BENCHMARKS.md).
 *
 * <p>What it changes: nothing that reaches a parameter of normal size. A first moment below
 * {@code MIN_NORMAL} gives an update below {@code MIN_NORMAL * stepSize / epsilon} (about 1e-33
 * with Adam's defaults), and a second moment below it has a square root below 1.1e-19, which
 * {@code sqrt(v) + epsilon} loses whenever epsilon is at least {@value #SECOND_MOMENT_EPSILON_FROM}.
 * So the second moment is flushed only then; with a smaller epsilon it is kept as ND4J's updater
 * keeps it, where its square root can still move the update.
 *
 * <p>Thread safety: stateless.
 */
public final class SubnormalMoments {

  /**
   * The smallest epsilon with which a flushed second moment cannot change an update: half a unit
   * in the last place of 1e-10 as a float is 3.5e-18, above the square root of any subnormal.
   */
  public static final double SECOND_MOMENT_EPSILON_FROM = 1e-10;

  private SubnormalMoments() {}

  /**
   * The moment as it is stored: zero (positive) when its magnitude is below {@link
   * Float#MIN_NORMAL}, itself otherwise (NaN and the infinities included).
   *
   * @param moment a first or second moment just computed
   * @return the value to store
   */
  public static float flush(float moment) {
    return Math.abs(moment) < Float.MIN_NORMAL ? 0f : moment;
  }

  /** {@link #flush(float)} in float64, below {@link Double#MIN_NORMAL}. */
  public static double flush(double moment) {
    return Math.abs(moment) < Double.MIN_NORMAL ? 0d : moment;
  }

  /**
   * Whether second moments are flushed with this epsilon: only where doing so leaves every update
   * as it was.
   *
   * @param epsilon Adam's epsilon
   * @return true when epsilon is at least {@link #SECOND_MOMENT_EPSILON_FROM}
   */
  public static boolean flushesSecondMoment(double epsilon) {
    return epsilon >= SECOND_MOMENT_EPSILON_FROM;
  }
}
