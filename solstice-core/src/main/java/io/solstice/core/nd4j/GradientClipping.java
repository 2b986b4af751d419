package io.solstice.core.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Limits a gradient in place before the updater sees it, to keep one bad batch from throwing
 * the parameters far away.
 *
 * <p>Thread safety: the built-in clippings are thread-safe (byNorm keeps its scratch scalar per
 * thread), so one instance may serve several models; each call changes only the gradient it is
 * given.
 */
@FunctionalInterface
public interface GradientClipping {

  /**
   * Clips the gradient in place.
   *
   * @param gradient the flat gradient of all parameters; modified in place
   */
  void clip(INDArray gradient);

  /**
   * Leaves gradients alone.
   *
   * @return the no-op clipping
   */
  static GradientClipping none() {
    return NoClipping.INSTANCE;
  }

  /**
   * Clips every element into [-limit, limit] (Keras's {@code clipvalue}).
   *
   * @param limit the largest magnitude allowed, positive
   * @return the clipping
   */
  static GradientClipping byValue(double limit) {
    checkPositive(limit, "byValue");
    return gradient -> {
      Transforms.min(gradient, limit, false);
      Transforms.max(gradient, -limit, false);
    };
  }

  /**
   * Rescales the whole gradient so its global L2 norm is at most {@code maxNorm}, keeping its
   * direction (PyTorch's {@code clip_grad_norm_}, Keras's {@code global_clipnorm}). A gradient
   * already within the bound is untouched. Allocates nothing per call (the norm goes into a
   * scalar kept per thread).
   *
   * @param maxNorm the largest L2 norm allowed, positive
   * @return the clipping
   */
  static GradientClipping byNorm(double maxNorm) {
    checkPositive(maxNorm, "byNorm");
    return new GlobalNormClipping(maxNorm);
  }

  private static void checkPositive(double limit, String method) {
    if (!(limit > 0) || Double.isInfinite(limit)) {
      throw new IllegalArgumentException(method + " needs a positive finite limit, was " + limit);
    }
  }
}
