package io.solstice.examples.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.examples.cli.UsageException;
import io.solstice.examples.job.Split;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Holding out whole batches for validation and test. */
class HoldOutTest {

  @Test
  void everyBatchGetsExactlyOneSplitInTheAskedProportionsTheSameWayForTheSameSeed() {
    Random cases = new Random(3);
    for (int i = 0; i < 200; i++) {
      int batches = 3 + cases.nextInt(500);
      double val = cases.nextDouble() * 0.3;
      double test = cases.nextDouble() * 0.3;
      long seed = cases.nextLong();
      HoldOut a = HoldOut.of(batches, val, test, seed);
      HoldOut b = HoldOut.of(batches, val, test, seed);

      assertThat(a.count(Split.TRAIN) + a.count(Split.VAL) + a.count(Split.TEST)).isEqualTo(batches);
      assertThat(a.count(Split.VAL)).isEqualTo(Math.max(1, (int) Math.round(batches * val)));
      assertThat(a.count(Split.TEST)).isEqualTo(Math.max(1, (int) Math.round(batches * test)));
      for (int k = 0; k < batches; k++) {
        assertThat(a.roleOf(k)).isEqualTo(b.roleOf(k));
      }
    }
  }

  @Test
  void aTableTooSmallToHoldOutFromIsAUsageError() {
    assertThatThrownBy(() -> HoldOut.of(2, 0.2, 0.2, 1))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("only 2 batch(es)").hasMessageContaining("lower --batch-size");
  }
}
