package io.solstice.spark.internal;

/**
 * Derives per-round, per-partition seeds (SplitMix64 finalizer over the inputs).
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
public final class Seeds {
  private Seeds() {}

  /**
   * A seed for one partition in one round, different for every (seed, round, partition).
   *
   * @param seed the experiment's seed
   * @param round the round
   * @param partition the partition
   * @return the mixed seed
   */
  public static long mix(long seed, long round, long partition) {
    long z = seed;
    z = finalizer(z + 0x9E3779B97F4A7C15L * (round + 1));
    z = finalizer(z + 0x9E3779B97F4A7C15L * (partition + 1));
    return z;
  }

  private static long finalizer(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
