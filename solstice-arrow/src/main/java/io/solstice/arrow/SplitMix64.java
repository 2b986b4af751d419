package io.solstice.arrow;

/**
 * The seeded generator of the shuffle and the mix: SplitMix64, whose whole state is one
 * {@code long}, so it can be saved with a checkpoint and restored exactly, and whose output is
 * the same on every JVM. Not thread-safe.
 */
final class SplitMix64 {
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
  private long state;

  SplitMix64(long state) {
    this.state = state;
  }

  /** A generator for stream {@code stream} of {@code seed} (for example one per epoch). */
  static SplitMix64 forStream(long seed, long stream) {
    return new SplitMix64(mix(seed + mix(stream + GOLDEN_GAMMA)));
  }

  long state() {
    return state;
  }

  long nextLong() {
    state += GOLDEN_GAMMA;
    return mix(state);
  }

  /** Uniform in {@code [0, bound)}, without modulo bias. */
  int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive, got " + bound);
    }
    while (true) {
      int bits = (int) (nextLong() >>> 33);
      int value = bits % bound;
      if (bits - value + (bound - 1) >= 0) {
        return value;
      }
    }
  }

  /** Uniform in {@code [0, 1)}. */
  double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
