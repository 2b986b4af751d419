package io.solstice.benchmarks.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class InterleavedTest {

  @Test
  void pairsWhereBRanSlowAreCountedApartFromThoseAtFullSpeed() throws Exception {
    // Six pairs with B near 2,000 and A near 1,460 (ratio 0.73), four with both slowed (0.53).
    double[] a = {1460, 1460, 660, 1460, 660, 1460, 660, 1460, 660, 1460};
    double[] b = {2000, 2000, 1240, 2000, 1240, 2000, 1240, 2000, 1240, 2000};
    double[] ratios = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      ratios[i] = a[i] / b[i];
    }

    JsonNode split = new ObjectMapper().readTree(
        new Interleaved.Comparison(a, b, ratios).ratioByBSpeed().toString());

    assertThat(split.get("b_at_full_speed").get("pairs").asInt()).isEqualTo(6);
    assertThat(split.get("b_at_full_speed").get("ratio").get("median").asDouble()).isEqualTo(0.73);
    assertThat(split.get("b_slowed").get("pairs").asInt()).isEqualTo(4);
    assertThat(split.get("b_slowed").get("ratio").get("median").asDouble()).isEqualTo(660.0 / 1240);
  }

  @Test
  void aRunWithBAtOneSpeedHasNoSlowedPairs() throws Exception {
    double[] a = {90, 100, 110};
    double[] b = {100, 100, 100};

    JsonNode split = new ObjectMapper().readTree(
        new Interleaved.Comparison(a, b, new double[] {0.9, 1.0, 1.1}).ratioByBSpeed().toString());

    assertThat(split.get("b_at_full_speed").get("pairs").asInt()).isEqualTo(3);
    assertThat(split.get("b_slowed").get("pairs").asInt()).isZero();
    assertThat(split.get("b_slowed").has("ratio")).isFalse();
  }
}
