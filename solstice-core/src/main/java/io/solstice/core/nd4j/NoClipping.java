package io.solstice.core.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link GradientClipping#none()}: one instance, so that an optimizer can tell that no clipping
 * runs and update parts of the gradient before the rest is made ({@link Optimizer#updatesTiles}).
 */
enum NoClipping implements GradientClipping {
  INSTANCE;

  @Override
  public void clip(INDArray gradient) {}
}
