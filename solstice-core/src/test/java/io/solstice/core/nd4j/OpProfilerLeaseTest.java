package io.solstice.core.nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.testing.Concurrently;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OpProfilerLeaseTest {

  private OpProfilerLease held;

  @AfterEach
  void giveBack() {
    if (held != null) {
      held.release();
    }
  }

  @Test
  void aSecondHolderIsRefusedWithBothNamesUntilTheFirstReleases() {
    held = OpProfilerLease.acquire("run A");

    assertThat(OpProfilerLease.currentHolder()).contains("run A");
    assertThatThrownBy(() -> OpProfilerLease.acquire("run B"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("run A is using it")
        .hasMessageContaining("run B cannot profile ops");
    assertThat(held.isHeld()).isTrue();

    held.release();
    held = OpProfilerLease.acquire("run B");
    assertThat(OpProfilerLease.currentHolder()).contains("run B");
  }

  @Test
  void theHolderItselfIsRefusedASecondLease() {
    held = OpProfilerLease.acquire("run A");

    assertThatThrownBy(() -> OpProfilerLease.acquire("run A"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("run A is using it");
  }

  @Test
  void releaseIsIdempotentAndAStaleLeaseCannotReleaseALaterHolder() {
    OpProfilerLease first = OpProfilerLease.acquire("run A");
    first.release();
    first.release();
    held = OpProfilerLease.acquire("run B");

    first.close();

    assertThat(first.isHeld()).isFalse();
    assertThat(held.isHeld()).isTrue();
    assertThat(OpProfilerLease.currentHolder()).contains("run B");
    held.close();
    assertThat(OpProfilerLease.currentHolder()).isEqualTo(Optional.empty());
  }

  @Test
  void ofEightThreadsAskingAtOnceExactlyOneGetsIt() {
    for (int round = 0; round < 50; round++) {
      List<OpProfilerLease> leases = Concurrently.allAtOnce(8, i -> {
        try {
          return OpProfilerLease.acquire("thread " + i);
        } catch (IllegalStateException refused) {
          return null;
        }
      });

      List<OpProfilerLease> granted = leases.stream().filter(l -> l != null).toList();
      assertThat(granted).hasSize(1);
      granted.get(0).release();
    }
  }

  @Test
  void aBlankHolderIsRejected() {
    assertThatThrownBy(() -> OpProfilerLease.acquire(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name the holder");
  }
}
