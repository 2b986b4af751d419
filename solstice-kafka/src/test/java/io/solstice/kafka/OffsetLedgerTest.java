package io.solstice.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.kafka.internal.OffsetLedger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The offset book: a partition's position is the end of its longest run of trained ranges. */
class OffsetLedgerTest {
  private static final TopicPartition TP = new TopicPartition("t", 0);

  @Test
  void thePositionAdvancesOnlyOverAPrefixOfTrainedRangesWhateverTheOrderOfTraining() {
    Random random = new Random(11);
    for (int trial = 0; trial < 200; trial++) {
      OffsetLedger ledger = new OffsetLedger();
      long start = random.nextInt(1000);
      ledger.assigned(TP, start);
      List<OffsetLedger.Range> ranges = new ArrayList<>();
      List<long[]> bounds = new ArrayList<>();
      long next = start;
      int n = 1 + random.nextInt(12);
      for (int i = 0; i < n; i++) {
        long from = next + random.nextInt(3); // gaps, as compaction or transaction markers leave
        long to = from + 1 + random.nextInt(20);
        ranges.add(ledger.register(TP, from, to, null));
        bounds.add(new long[] {from, to});
        next = to;
      }
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        order.add(i);
      }
      Collections.shuffle(order, random);
      boolean[] trained = new boolean[n];
      for (int i : order) {
        ledger.done(ranges.get(i));
        trained[i] = true;
        int prefix = 0;
        while (prefix < n && trained[prefix]) {
          prefix++;
        }
        long expected = prefix == 0 ? start : bounds.get(prefix - 1)[1];
        assertThat(ledger.trainedPositions()).containsEntry(TP, expected);
      }
      assertThat(ledger.hasPending()).isFalse();
    }
  }

  @Test
  void aRangeClosedUntrainedHoldsThePositionBackForGood() {
    OffsetLedger ledger = new OffsetLedger();
    ledger.assigned(TP, 0);
    OffsetLedger.Range a = ledger.register(TP, 0, 10, null);
    OffsetLedger.Range b = ledger.register(TP, 10, 20, null);
    OffsetLedger.Range c = ledger.register(TP, 20, 30, null);
    ledger.done(a);
    ledger.closed(b, false);
    ledger.done(c);
    assertThat(ledger.trainedPositions()).containsEntry(TP, 10L);
    assertThat(ledger.toCommit()).isEqualTo(Map.of(TP, new OffsetAndMetadata(10)));
    assertThat(ledger.toCommit()).as("committed once").isEmpty();
    assertThat(ledger.hasPending()).isFalse();
  }

  @Test
  void aStreamThatGoesOnAfterARangeClosedUntrainedKeepsOnlyItsPendingRanges() {
    OffsetLedger ledger = new OffsetLedger();
    ledger.assigned(TP, 0);
    OffsetLedger.Range first = ledger.register(TP, 0, 10, null);
    OffsetLedger.Range skipped = ledger.register(TP, 10, 20, null);
    ledger.closed(skipped, false); // for example a batch the engine refused as non-finite
    ledger.done(first);
    for (long from = 20; from < 100_000; from += 10) {
      OffsetLedger.Range range = ledger.register(TP, from, from + 10, null);
      assertThat(ledger.hasPending()).isTrue();
      ledger.done(range);
    }
    OffsetLedger.Range inFlight = ledger.register(TP, 100_000, 100_010, null);

    assertThat(ledger.rangesHeld()).as("ranges held after 10,000 batches").isEqualTo(1);
    assertThat(ledger.hasPending()).isTrue();
    assertThat(ledger.trainedPositions()).containsEntry(TP, 10L);
    ledger.closed(inFlight, true);
    assertThat(ledger.hasPending()).isFalse();
    assertThat(ledger.rangesHeld()).isZero();
    assertThat(ledger.toCommit()).isEqualTo(Map.of(TP, new OffsetAndMetadata(10)));
  }

  @Test
  void aPositionResumedFromACheckpointIsCommittedBeforeAnythingIsTrained() {
    OffsetLedger ledger = new OffsetLedger();
    ledger.assignedAt(TP, 40);
    assertThat(ledger.toCommit()).isEqualTo(Map.of(TP, new OffsetAndMetadata(40)));
    assertThat(ledger.toCommit()).as("committed once").isEmpty();

    // A rebalance before the first commit commits it on revocation instead.
    OffsetLedger revokedFirst = new OffsetLedger();
    revokedFirst.assignedAt(TP, 40);
    assertThat(revokedFirst.revoked(List.of(TP))).isEqualTo(Map.of(TP, new OffsetAndMetadata(40)));

    // A partition assigned at the group's own offset has nothing to commit until it trains.
    OffsetLedger plain = new OffsetLedger();
    plain.assigned(TP, 40);
    assertThat(plain.toCommit()).isEmpty();
    assertThat(plain.revoked(List.of(TP))).isEmpty();
  }

  @Test
  void offsetsOfAFailedCommitAreOfferedAgainByTheNextCommit() {
    OffsetLedger ledger = new OffsetLedger();
    ledger.assigned(TP, 0);
    ledger.done(ledger.register(TP, 0, 10, null));
    Map<TopicPartition, OffsetAndMetadata> first = ledger.toCommit();
    assertThat(first).isEqualTo(Map.of(TP, new OffsetAndMetadata(10)));

    ledger.commitFailed(first);

    assertThat(ledger.toCommit()).as("offered again").isEqualTo(Map.of(TP, new OffsetAndMetadata(10)));
    assertThat(ledger.toCommit()).as("then committed once").isEmpty();
    ledger.done(ledger.register(TP, 10, 20, null));
    Map<TopicPartition, OffsetAndMetadata> second = ledger.toCommit();
    ledger.done(ledger.register(TP, 20, 30, null));
    assertThat(ledger.toCommit()).isEqualTo(Map.of(TP, new OffsetAndMetadata(30)));
    ledger.commitFailed(second); // an older commit failing after a newer one went out
    assertThat(ledger.toCommit()).as("the trained position, never an older one")
        .isEqualTo(Map.of(TP, new OffsetAndMetadata(30)));
  }

  @Test
  void marksOfARevokedPartitionAreIgnoredAndItsTrainedPositionIsCommittedOnRevoke() {
    OffsetLedger ledger = new OffsetLedger();
    ledger.assigned(TP, 5);
    Object batchA = new Object();
    Object batchB = new Object();
    OffsetLedger.Range a = ledger.register(TP, 5, 10, batchA);
    ledger.register(TP, 10, 15, batchB);
    assertThat(ledger.trained(batchA)).isTrue();
    assertThat(ledger.revoked(List.of(TP))).isEqualTo(Map.of(TP, new OffsetAndMetadata(10)));
    assertThat(ledger.trained(batchB)).as("emitted before the revoke, trained after it").isFalse();
    ledger.closed(a, true);
    assertThat(ledger.trainedPositions()).doesNotContainKey(TP);

    ledger.assigned(TP, 10);
    Object reread = new Object();
    ledger.register(TP, 10, 20, reread);
    assertThat(ledger.trained(batchB)).as("an old batch never marks the new assignment's range").isFalse();
    assertThat(ledger.trainedPositions()).containsEntry(TP, 10L);
    assertThat(ledger.trained(reread)).isTrue();
    assertThat(ledger.trainedPositions()).containsEntry(TP, 20L);
  }
}
