package io.solstice.core.nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class ParametersTest {

  private static Parameters.Builder layer(long seed) {
    return Parameters.builder()
        .seed(seed)
        .weight("W", Initializer.heNormal(), 400, 300)
        .bias("b", Initializer.constant(0.5), 1, 300);
  }

  @Test
  void namedParametersAreViewsIntoOneFlatBuffer() {
    Parameters params = layer(1).build();

    assertThat(params.length()).isEqualTo(400 * 300 + 300);
    assertThat(params.names()).containsExactly("W", "b");
    params.get("b").assign(7);
    assertThat(params.values().getDouble(400 * 300)).isEqualTo(7.0);
    params.gradients().assign(2);
    assertThat(params.gradient("W").getDouble(3, 4)).isEqualTo(2.0);
    assertThat(params.get("W").shape()).containsExactly(400, 300);
  }

  @Test
  void theSameSeedGivesTheSameValuesAndAnotherSeedOthers() {
    assertThat(layer(1).build().asNamedArrays()).isEqualTo(layer(1).build().asNamedArrays());
    assertThat(layer(1).build().asNamedArrays()).isNotEqualTo(layer(2).build().asNamedArrays());
  }

  @Test
  void initialisersDrawWithTheVarianceTheirPapersPrescribe() {
    long in = 400;
    long out = 300;
    Parameters params =
        Parameters.builder()
            .seed(9)
            .weight("he", Initializer.heNormal(), in, out)
            .weight("heU", Initializer.heUniform(), in, out)
            .weight("xavier", Initializer.xavierNormal(), in, out)
            .weight("xavierU", Initializer.xavierUniform(), in, out)
            .build();

    assertStd(params.get("he"), Math.sqrt(2.0 / in));
    assertStd(params.get("heU"), Math.sqrt(2.0 / in));
    assertStd(params.get("xavier"), Math.sqrt(2.0 / (in + out)));
    assertStd(params.get("xavierU"), Math.sqrt(2.0 / (in + out)));
    double limit = Math.sqrt(6.0 / (in + out));
    assertThat(params.get("xavierU").maxNumber().doubleValue()).isLessThanOrEqualTo(limit);
    assertThat(params.get("xavierU").minNumber().doubleValue()).isGreaterThanOrEqualTo(-limit);
  }

  private static void assertStd(INDArray values, double expected) {
    assertThat(values.meanNumber().doubleValue()).isCloseTo(0.0, offset(expected * 0.02));
    assertThat(values.stdNumber().doubleValue()).isCloseTo(expected, offset(expected * 0.02));
  }

  @Test
  void copyIsIndependentAndLoadChecksShapes() {
    Parameters params = layer(1).build();
    Parameters copy = params.copy();
    copy.get("W").addi(1);

    assertThat(copy.asNamedArrays()).isNotEqualTo(params.asNamedArrays());
    copy.load(params.asNamedArrays());
    assertThat(copy.asNamedArrays()).isEqualTo(params.asNamedArrays());

    Parameters other = Parameters.builder().weight("W", Initializer.zeros(), 2, 2)
        .bias("b", Initializer.zeros(), 1, 300).build();
    assertThatThrownBy(() -> other.load(params.asNamedArrays()))
        .hasMessageContaining("'W'");
  }

  @Test
  void onlyWeightsAreRegularizedAndBadDeclarationsAreRefused() {
    Parameters params = layer(1).build();
    assertThat(params.isRegularized("W")).isTrue();
    assertThat(params.isRegularized("b")).isFalse();
    assertThat(params.dataType()).isEqualTo(DataType.FLOAT);

    assertThatThrownBy(() -> params.get("nope")).hasMessageContaining("[W, b]");
    assertThatThrownBy(
            () -> Parameters.builder().weight("W", Initializer.zeros(), 2).weight("W", Initializer.zeros(), 2))
        .hasMessageContaining("duplicate");
    assertThatThrownBy(() -> Parameters.builder().weight("W", Initializer.zeros(), 0, 3))
        .hasMessageContaining("positive");
    assertThatThrownBy(() -> Parameters.builder().dataType(DataType.INT32))
        .hasMessageContaining("floating-point");
  }
}
