package io.solstice.arrow.internal;

/**
 * A pseudo-random permutation of {@code [0, n)} chosen by a 64-bit key, evaluated one index at a
 * time in constant memory: a four-round Feistel network over the smallest even power of two
 * that covers {@code n}, with cycle walking back into range (fewer than four rounds of walking
 * on average). The same key and {@code n} always give the same permutation, on any machine.
 *
 * <p>That is what lets a table too large for memory be split in one streaming pass: the
 * {@code j}-th row of a class goes to the test split when {@code apply(j)} falls among the
 * first test-many indices, so the counts are exact and the choice is random yet reproducible.
 *
 * <p>Thread safety: immutable and thread-safe.
 */
public final class SeededPermutation {
  private static final int ROUNDS = 4;

  private final long size;
  private final long key;
  private final int halfBits;
  private final long halfMask;

  /**
   * The permutation of {@code [0, size)} for a key.
   *
   * @param size the number of elements, at least 1
   * @param key the seed of the permutation
   */
  public SeededPermutation(long size, long key) {
    if (size < 1) {
      throw new IllegalArgumentException("a permutation needs at least one element, got " + size);
    }
    this.size = size;
    this.key = key;
    int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(size - 1));
    this.halfBits = (bits + 1) / 2;
    this.halfMask = (1L << halfBits) - 1;
  }

  /**
   * Where index {@code i} goes.
   *
   * @param i an index in {@code [0, size)}
   * @return its image, in {@code [0, size)}
   */
  public long apply(long i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("index " + i + " outside [0, " + size + ")");
    }
    long x = i;
    do {
      x = encrypt(x);
    } while (x >= size);
    return x;
  }

  /**
   * Which index goes to {@code y}: the inverse of {@link #apply}, so that a row read in table
   * order can find its place in the permuted order without holding the permutation.
   *
   * @param y an image in {@code [0, size)}
   * @return the index {@code i} with {@code apply(i) == y}
   */
  public long inverse(long y) {
    if (y < 0 || y >= size) {
      throw new IndexOutOfBoundsException("index " + y + " outside [0, " + size + ")");
    }
    // Cycle walking backwards: the Feistel network's inverse, until back in range.
    long x = y;
    do {
      x = decrypt(x);
    } while (x >= size);
    return x;
  }

  private long decrypt(long x) {
    long left = x >>> halfBits;
    long right = x & halfMask;
    for (int round = ROUNDS - 1; round >= 0; round--) {
      long previous = right ^ (mix(key + round * 0x9E3779B97F4A7C15L + left) & halfMask);
      right = left;
      left = previous;
    }
    return (left << halfBits) | right;
  }

  private long encrypt(long x) {
    long left = x >>> halfBits;
    long right = x & halfMask;
    for (int round = 0; round < ROUNDS; round++) {
      long next = left ^ (mix(key + round * 0x9E3779B97F4A7C15L + right) & halfMask);
      left = right;
      right = next;
    }
    return (left << halfBits) | right;
  }

  /**
   * SplitMix64's finalizer: a well-spread 64-bit hash.
   *
   * @param z the input
   * @return its hash
   */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
