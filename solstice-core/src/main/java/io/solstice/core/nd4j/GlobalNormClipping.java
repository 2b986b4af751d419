package io.solstice.core.nd4j;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Norm2;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link GradientClipping#byNorm}: computes the global L2 norm into a scalar kept per thread, so
 * clipping allocates nothing per step.
 */
final class GlobalNormClipping implements GradientClipping {

  private final double maxNorm;
  private final ThreadLocal<INDArray> norm = new ThreadLocal<>();

  GlobalNormClipping(double maxNorm) {
    this.maxNorm = maxNorm;
  }

  @Override
  public void clip(INDArray gradient) {
    INDArray result = norm.get();
    if (result == null || result.dataType() != gradient.dataType()) {
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        result = Nd4j.scalar(gradient.dataType(), 0.0);
      }
      norm.set(result);
    }
    Nd4j.getExecutioner().exec(new Norm2(gradient, result));
    double value = result.getDouble(0);
    if (value > maxNorm) {
      gradient.muli(maxNorm / value);
    }
  }

  @Override
  public String toString() {
    return "GradientClipping.byNorm(" + maxNorm + ")";
  }
}
