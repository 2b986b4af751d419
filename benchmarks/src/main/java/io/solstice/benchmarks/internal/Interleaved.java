package io.solstice.benchmarks.internal;

import java.util.Arrays;
import java.util.function.DoubleSupplier;
import java.util.stream.IntStream;

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

    /** The share of B's 90th-percentile throughput from which B counts as running at full speed. */
    public static final double FULL_SPEED = 0.75;

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
     * The pair ratios split by how fast B ran in its pair: at full speed (at least {@value
     * #FULL_SPEED} of B's 90th percentile) or slowed. On the 2-core benchmark machine both
     * contenders slow down together for seconds at a time, by different factors (a memory-bound
     * step more than the gemms alone), so a run's pair ratios fall into two groups; this says how
     * many pairs each group holds and where its median lies. The reported ratio stays the
     * median of all pairs.
     *
     * @return the pairs with B at full speed and the pairs with B slowed, each a count and,
     *     where there are any, the summary of their ratios
     */
    public Json.Obj ratioByBSpeed() {
      double[] sorted = b.clone();
      Arrays.sort(sorted);
      double threshold = FULL_SPEED * sorted[(int) Math.floor(0.9 * (sorted.length - 1))];
      double[] fast = IntStream.range(0, ratios.length).filter(i -> b[i] >= threshold).mapToDouble(i -> ratios[i])
          .toArray();
      double[] slow = IntStream.range(0, ratios.length).filter(i -> b[i] < threshold).mapToDouble(i -> ratios[i])
          .toArray();
      return Json.obj()
          .put("b_at_full_speed", group(fast))
          .put("b_slowed", group(slow))
          .put("full_speed", "B at least " + FULL_SPEED + " of its 90th percentile");
    }

    private static Json.Obj group(double[] ratios) {
      return ratios.length == 0 ? Json.obj().put("pairs", 0)
          : Json.obj().put("pairs", ratios.length).put("ratio", Summary.of(ratios).toJson());
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
          .put("ratio_by_b_speed", ratioByBSpeed())
          .put("pair_ratios", Json.array(ratios));
    }
  }
}
