package io.solstice.cuda.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Registration bookkeeping against a fake driver that refuses what the real one refuses. */
class PinnedRangesTest {

  private static final long PAGE = 4096;
  private static final long BASE = 1L << 30;

  /** Behaves as cudaHostRegister: refuses a range that overlaps a registered one. */
  private static final class FakeDriver implements PinnedRanges.Pinner {
    final TreeMap<Long, Long> registered = new TreeMap<>();
    final List<String> calls = new ArrayList<>();
    long failAt = -1;

    @Override
    public void register(long address, long bytes) {
      calls.add("register " + (address - BASE) / PAGE + "+" + bytes / PAGE);
      assertThat(address % PAGE).as("page-aligned start").isZero();
      assertThat(bytes % PAGE).as("whole pages").isZero();
      if (address == failAt) {
        throw new IllegalStateException("cudaErrorInvalidValue");
      }
      Map.Entry<Long, Long> before = registered.floorEntry(address + bytes - 1);
      if (before != null && before.getKey() + before.getValue() > address) {
        throw new IllegalStateException("cudaErrorHostMemoryAlreadyRegistered");
      }
      registered.put(address, bytes);
    }

    @Override
    public void unregister(long address) {
      calls.add("unregister " + (address - BASE) / PAGE);
      if (registered.remove(address) == null) {
        throw new IllegalStateException("cudaErrorHostMemoryNotRegistered");
      }
    }
  }

  private final FakeDriver driver = new FakeDriver();
  private final PinnedRanges ranges = new PinnedRanges(driver, PAGE);

  @Test
  void registersTheWholePagesOfABufferAndUnregistersThemOnRelease() {
    try (PinnedRanges.Lease lease = ranges.acquire(BASE + 100, 2 * PAGE)) {
      assertThat(driver.calls).containsExactly("register 0+3");
      assertThat(lease.segments()).containsExactly(new PinnedRanges.Segment(BASE + 100, 2 * PAGE, 0));
    }
    assertThat(driver.calls).containsExactly("register 0+3", "unregister 0");
    assertThat(driver.registered).isEmpty();
  }

  @Test
  void buffersSharingAPageShareItsRegistrationUntilTheLastRelease() {
    PinnedRanges.Lease labels = ranges.acquire(BASE + 10, 100);
    PinnedRanges.Lease features = ranges.acquire(BASE + 200, 50);
    labels.close();
    assertThat(driver.registered).hasSize(1);
    features.close();

    assertThat(driver.calls).containsExactly("register 0+1", "unregister 0");
  }

  @Test
  void aBufferOverlappingRegisteredPagesRegistersOnlyTheGapsAndIsSplitAtTheirBoundaries() {
    PinnedRanges.Lease first = ranges.acquire(BASE + PAGE, PAGE);
    PinnedRanges.Lease third = ranges.acquire(BASE + 3 * PAGE + 7, 10);

    PinnedRanges.Lease wide = ranges.acquire(BASE + 100, 5 * PAGE);

    assertThat(driver.calls).containsExactly(
        "register 1+1", "register 3+1", "register 0+1", "register 2+1", "register 4+2");
    assertThat(wide.segments()).extracting(PinnedRanges.Segment::offset)
        .containsExactly(0L, PAGE - 100, 2 * PAGE - 100, 3 * PAGE - 100, 4 * PAGE - 100);
    assertThat(wide.segments().stream().mapToLong(PinnedRanges.Segment::bytes).sum()).isEqualTo(5 * PAGE);
    first.close();
    third.close();
    assertThat(driver.registered).hasSize(5);
    wide.close();
    assertThat(driver.registered).isEmpty();
  }

  @Test
  void aFailedRegistrationUndoesWhatTheSameCallRegistered() {
    PinnedRanges.Lease middle = ranges.acquire(BASE + PAGE, PAGE);
    driver.failAt = BASE + 2 * PAGE;

    assertThatThrownBy(() -> ranges.acquire(BASE, 3 * PAGE)).hasMessage("cudaErrorInvalidValue");

    assertThat(driver.registered).containsOnlyKeys(BASE + PAGE);
    middle.close();
    assertThat(driver.registered).isEmpty();
    driver.failAt = -1;
    ranges.acquire(BASE, 3 * PAGE).close();
    assertThat(driver.registered).isEmpty();
  }

  @Test
  void closingALeaseTwiceReleasesOnce() {
    PinnedRanges.Lease a = ranges.acquire(BASE, 10);
    PinnedRanges.Lease b = ranges.acquire(BASE + 20, 10);
    a.close();
    a.close();

    assertThat(driver.registered).hasSize(1);
    b.close();
    assertThat(driver.registered).isEmpty();
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(() -> ranges.acquire(BASE, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PinnedRanges(driver, 3000)).hasMessageContaining("power of two");
  }

  /**
   * Random acquire/release sequences: registrations never overlap (the fake refuses it), every
   * live buffer lies in registered pages, segments tile each buffer exactly, and everything is
   * unregistered at the end.
   */
  @Test
  void randomLeaseSequencesKeepTheInvariants() {
    for (long seed = 0; seed < 200; seed++) {
      FakeDriver fake = new FakeDriver();
      PinnedRanges registry = new PinnedRanges(fake, PAGE);
      SplittableRandom random = new SplittableRandom(seed);
      List<PinnedRanges.Lease> live = new ArrayList<>();
      List<long[]> buffers = new ArrayList<>();
      for (int step = 0; step < 60; step++) {
        if (!live.isEmpty() && random.nextInt(3) == 0) {
          int i = random.nextInt(live.size());
          live.remove(i).close();
          buffers.remove(i);
        } else {
          long address = BASE + random.nextLong(20 * PAGE);
          long bytes = 1 + random.nextLong(4 * PAGE);
          PinnedRanges.Lease lease = registry.acquire(address, bytes);
          long covered = address;
          for (PinnedRanges.Segment segment : lease.segments()) {
            assertThat(segment.address()).as("seed " + seed).isEqualTo(covered);
            assertThat(segment.offset()).as("seed " + seed).isEqualTo(covered - address);
            covered += segment.bytes();
          }
          assertThat(covered).as("seed " + seed).isEqualTo(address + bytes);
          live.add(lease);
          buffers.add(new long[] {address, bytes});
        }
        for (long[] buffer : buffers) {
          for (long page = buffer[0] & -PAGE; page < buffer[0] + buffer[1]; page += PAGE) {
            Map.Entry<Long, Long> holder = fake.registered.floorEntry(page);
            assertThat(holder != null && holder.getKey() + holder.getValue() > page)
                .as("seed " + seed + ": page of a live buffer is registered").isTrue();
          }
        }
      }
      live.forEach(PinnedRanges.Lease::close);
      assertThat(fake.registered).as("seed " + seed).isEmpty();
      assertThat(registry.registered()).as("seed " + seed).isEmpty();
    }
  }
}
