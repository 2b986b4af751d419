package io.solstice.core.nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GradientClippingTest {

  @Test
  void byValueClampsEachElementInPlace() {
    INDArray gradient = Nd4j.createFromArray(-5.0, -0.5, 0.0, 0.25, 3.0);

    GradientClipping.byValue(1.0).clip(gradient);

    assertThat(gradient.toDoubleVector()).containsExactly(-1.0, -0.5, 0.0, 0.25, 1.0);
  }

  @Test
  void byNormRescalesALargeGradientToTheBoundKeepingItsDirection() {
    INDArray gradient = Nd4j.createFromArray(3.0, 4.0); // norm 5

    GradientClipping.byNorm(1.0).clip(gradient);

    assertThat(gradient.toDoubleVector()).containsExactly(new double[] {0.6, 0.8}, offset(1e-12));
    assertThat(gradient.norm2Number().doubleValue()).isCloseTo(1.0, offset(1e-12));
  }

  @Test
  void byNormLeavesAGradientWithinTheBoundUntouched() {
    INDArray gradient = Nd4j.createFromArray(0.3, 0.4); // norm 0.5

    GradientClipping.byNorm(1.0).clip(gradient);

    assertThat(gradient.toDoubleVector()).containsExactly(0.3, 0.4);
  }

  @Test
  void clippingAppliesToTheFlatGradientOfAllParametersBeforeTheUpdate() {
    Parameters params =
        Parameters.builder()
            .weight("a", Initializer.zeros(), 1)
            .weight("b", Initializer.zeros(), 1)
            .dataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
            .build();
    Optimizer sgd =
        Optimizer.builder(new org.nd4j.linalg.learning.config.Sgd(1.0))
            .clipping(GradientClipping.byNorm(1.0))
            .build(params);
    params.gradient("a").assign(30);
    params.gradient("b").assign(40);

    sgd.step();

    // Global norm 50 -> scaled by 1/50; SGD with rate 1 moves by -gradient.
    assertThat(params.get("a").getDouble(0)).isCloseTo(-0.6, offset(1e-12));
    assertThat(params.get("b").getDouble(0)).isCloseTo(-0.8, offset(1e-12));
  }

  @Test
  void nonPositiveLimitsAreRefused() {
    assertThatThrownBy(() -> GradientClipping.byValue(0)).hasMessageContaining("byValue");
    assertThatThrownBy(() -> GradientClipping.byNorm(-1)).hasMessageContaining("byNorm");
    assertThatThrownBy(() -> GradientClipping.byNorm(Double.NaN)).hasMessageContaining("byNorm");
  }
}
