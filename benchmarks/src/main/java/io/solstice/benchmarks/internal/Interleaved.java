package io.solstice.benchmarks.internal;

import java.util.function.DoubleSupplier;

/**
 * Runs two contenders A and B alternately in one process (A B A B ...) after a warm-up, so
 * that both see the same JIT state, the same page cache and the same background load, and
 * compares them pair by pair.
 *
 * <p>Each run returns a throughput (higher is better, in any unit as long as A and B share it).
 * The ratio of a pair is A's throughput over B's; the reported ratio is the median of the
 * pair ratios, which cancels load that drifts slower than one pair.
 */
public final class Interleaved {

  private Interleaved() {}

  /**
   * Warms up both contenders, then measures {@code pairs} pairs.
   *
   * @param warmupPairs pairs run and thrown away first
   * @param pairs measured pairs, at least 1
   * @param a the first contender (the numerator of the ratio)
   * @param b the second contender (the denominator)
   * @return the throughputs of A and B and the ratio of each pair
   */
  public static Comparison compare(int warmupPairs, int pairs, DoubleSupplier a, DoubleSupplier b) {
    if (pairs < 1) {
      throw new IllegalArgumentException("measure at least one pair, was " + pairs);
    }
    for (int i = 0; i < warmupPairs; i++) {
      a.getAsDouble();
      b.getAsDouble();
    }
    double[] as = new double[pairs];
    double[] bs = new double[pairs];
    double[] ratios = new double[pairs];
    for (int i = 0; i < pairs; i++) {
      as[i] = a.getAsDouble();
      bs[i] = b.getAsDouble();
      ratios[i] = as[i] / bs[i];
    }
    return new Comparison(as, bs, ratios);
  }

  /**
   * Warms up, then measures one contender {@code runs} times.
   *
   * @param warmup runs thrown away first
   * @param runs measured runs, at least 1
   * @param run the measurement
   * @return the summary of the measured runs
   */
  public static Summary measure(int warmup, int runs, DoubleSupplier run) {
    for (int i = 0; i < warmup; i++) {
      run.getAsDouble();
    }
    double[] values = new double[runs];
    for (int i = 0; i < runs; i++) {
      values[i] = run.getAsDouble();
    }
    return Summary.of(values);
  }

  /**
   * The measurements of an A/B comparison.
   *
   * @param a A's throughput in each pair
   * @param b B's throughput in each pair
   * @param ratios A over B in each pair
   */
  public record Comparison(double[] a, double[] b, double[] ratios) {

    /**
     * The summary of A's throughputs.
     *
     * @return median, min, max
     */
    public Summary summaryA() {
      return Summary.of(a);
    }

    /**
     * The summary of B's throughputs.
     *
     * @return median, min, max
     */
    public Summary summaryB() {
      return Summary.of(b);
    }

    /**
     * The summary of the pair ratios; its median is the reported ratio.
     *
     * @return median, min, max of A/B per pair
     */
    public Summary ratio() {
      return Summary.of(ratios);
    }

    /**
     * The comparison as a JSON object.
     *
     * @param nameA what A is
     * @param nameB what B is
     * @param unit the throughput unit
     * @return the object
     */
    public Json.Obj toJson(String nameA, String nameB, String unit) {
      return Json.obj()
          .put("a", nameA)
          .put("b", nameB)
          .put("unit", unit)
          .put("a_" + unit, summaryA().toJson())
          .put("b_" + unit, summaryB().toJson())
          .put("ratio", ratio().toJson())
          .put("pair_ratios", Json.array(ratios));
    }
  }
}
