package io.solstice.cuda.internal;

/**
 * Gradient clipping on the device, with the host's semantics: by value clamps every gradient
 * value to [-limit, limit]; by norm scales the whole flat gradient (biases included) to the
 * maximum L2 norm when it is larger.
 *
 * @param byNorm true to clip the global norm, false to clip values
 * @param limit the maximum norm or absolute value; 0 for no clipping
 */
public record Clipping(boolean byNorm, double limit) {

  /** No clipping. */
  public static final Clipping NONE = new Clipping(false, 0);

  /** Checks the limit. */
  public Clipping {
    if (!(limit >= 0) || Double.isInfinite(limit)) {
      throw new IllegalArgumentException("clipping needs a positive finite limit, was " + limit);
    }
  }

  /** Whether it clips at all. */
  public boolean active() {
    return limit > 0;
  }
}
