package io.solstice.core.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.nd4j.Parameters;
import java.util.function.DoubleSupplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Checks analytic gradients against central finite differences, parameter by parameter. */
final class FiniteDifferences {

  private static final double EPSILON = 1e-6;
  private static final double MAX_RELATIVE_ERROR = 1e-5;
  /** Below this, both gradients count as zero (as in DL4J's GradientCheckUtil). */
  private static final double MIN_ABSOLUTE_ERROR = 1e-9;

  private FiniteDifferences() {}

  /**
   * Compares the gradients in {@code params} (written by the model before this call) with the
   * slopes of {@code loss} when each parameter moves by +-epsilon.
   *
   * @param params the model's parameters, in double precision
   * @param loss the model's loss on a fixed batch, without dropout
   * @return the number of parameters checked
   */
  static int assertGradientsMatch(Parameters params, DoubleSupplier loss) {
    INDArray analytic = params.gradients().dup();
    INDArray flat = params.values();
    int checked = 0;
    for (long i = 0; i < flat.length(); i++) {
      double original = flat.getDouble(i);
      flat.putScalar(i, original + EPSILON);
      double plus = loss.getAsDouble();
      flat.putScalar(i, original - EPSILON);
      double minus = loss.getAsDouble();
      flat.putScalar(i, original);
      double numeric = (plus - minus) / (2 * EPSILON);
      double exact = analytic.getDouble(i);
      double absolute = Math.abs(numeric - exact);
      if (absolute > MIN_ABSOLUTE_ERROR) {
        double relative = absolute / Math.max(Math.abs(numeric), Math.abs(exact));
        assertThat(relative)
            .as("parameter %d: analytic %s vs numeric %s", i, exact, numeric)
            .isLessThan(MAX_RELATIVE_ERROR);
      }
      checked++;
    }
    assertThat(analytic.norm2Number().doubleValue()).isGreaterThan(1e-3);
    return checked;
  }
}
