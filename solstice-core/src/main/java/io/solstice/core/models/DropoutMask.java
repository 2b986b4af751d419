package io.solstice.core.models;

import io.solstice.core.nd4j.HostBytes;
import java.nio.ByteBuffer;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Draws an inverted-dropout keep mask: each unit is kept with probability {@code keep} and
 * then holds {@code 1 / keep}, or is dropped and holds 0, so evaluation needs no rescaling.
 *
 * <p>The draws come from a Java generator owned by the model, never from ND4J's native random
 * ops, so a model's masks depend on its own seed and step counter only, not on what else runs.
 */
final class DropoutMask {

  private DropoutMask() {}

  /** Overwrites {@code mask} (C order) with fresh draws from {@code random}. */
  static void fill(INDArray mask, double keep, RandomGenerator random) {
    double kept = 1 / keep;
    ByteBuffer bytes = HostBytes.of(mask);
    int n = Math.toIntExact(mask.length());
    if (bytes != null && mask.dataType() == DataType.FLOAT) {
      // The mask's own memory: no scratch array and no copy on the CPU backend.
      float keptValue = (float) kept;
      for (int i = 0; i < n; i++) {
        bytes.putFloat(i * Float.BYTES, random.nextDouble() < keep ? keptValue : 0f);
      }
    } else if (bytes != null && mask.dataType() == DataType.DOUBLE) {
      for (int i = 0; i < n; i++) {
        bytes.putDouble(i * Double.BYTES, random.nextDouble() < keep ? kept : 0d);
      }
    } else {
      double[] values = new double[n];
      for (int i = 0; i < n; i++) {
        values[i] = random.nextDouble() < keep ? kept : 0d;
      }
      try (INDArray source = Nd4j.createFromArray(values)) {
        mask.assign(source.reshape('c', mask.shape()));
      }
    }
  }
}
