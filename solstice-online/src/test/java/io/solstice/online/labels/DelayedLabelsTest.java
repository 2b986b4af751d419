package io.solstice.online.labels;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** The delayed-label join: exact counts, each label trained once, bounded memory. */
class DelayedLabelsTest {
  private static final int ROWS = 20_000;
  private static final int MAX_PENDING = 1_000;

  @Test
  void labelsUpTo500RowsLateSomeNeverSomeTwiceEachTrainOnceWithExactCounts() {
    DelayedArrivals<Long> stream = new DelayedArrivals<>(ROWS, 21, row -> (long) row, row -> row % 2);

    // The "model" is its count of trained rows; a prediction is the model version that made it.
    AtomicLong trained = new AtomicLong();
    DelayedLabels<Long, Long, Long, Integer> join =
        new DelayedLabels<>(features -> trained.get(), MAX_PENDING, Duration.ofDays(1), () -> 0L);
    Map<Long, Integer> trainings = new HashMap<>();
    int[] maxPendingSeen = {0};
    Flux.fromIterable(stream.arrivals)
        .doOnNext(a -> maxPendingSeen[0] = Math.max(maxPendingSeen[0], join.counts().pending()))
        .transform(join::join)
        .doOnNext(row -> {
          assertThat(row.label()).isEqualTo((int) (row.key() % 2));
          assertThat(row.features()).isEqualTo(row.key());
          // Evaluated on the prediction made before the label was known.
          assertThat(row.prediction()).isLessThanOrEqualTo(trained.get());
          trainings.merge(row.key(), 1, Integer::sum);
          trained.incrementAndGet();
        })
        .blockLast();

    LabelCounts counts = join.counts();
    assertThat(trainings).hasSize(stream.labelledRows()).allSatisfy((key, times) -> {
      assertThat(times).as("row %d", key).isEqualTo(1);
      assertThat(stream.labelled[key.intValue()]).isTrue();
    });
    assertThat(counts.joined()).isEqualTo(stream.labelledRows());
    assertThat(counts.duplicate()).isEqualTo(stream.twice);
    assertThat(counts.late()).isZero();
    // Every row is joined, evicted as missing, or still pending: never-labelled ones only.
    assertThat(counts.missing() + counts.pending()).isEqualTo(stream.never);
    assertThat(counts.missing()).isPositive();
    assertThat(maxPendingSeen[0]).isLessThanOrEqualTo(MAX_PENDING);
  }

  @Test
  void rowsOlderThanTheAgeBoundAreMissingAndTheirLabelsLate() {
    long[] now = {0};
    DelayedLabels<String, String, String, Integer> join =
        new DelayedLabels<>(f -> "p(" + f + ")", 100, Duration.ofSeconds(10), () -> now[0]);
    assertThat(join.accept(new Arrival.Features<>("a", "x"))).isNull();
    now[0] = Duration.ofSeconds(5).toNanos();
    assertThat(join.accept(new Arrival.Features<>("b", "y"))).isNull();
    now[0] = Duration.ofSeconds(11).toNanos(); // "a" is now too old
    assertThat(join.accept(new Arrival.Label<>("a", 1))).isNull();
    Joined<String, String, String, Integer> b = join.accept(new Arrival.Label<>("b", 0));
    assertThat(b).isEqualTo(new Joined<>("b", "y", "p(y)", 0, 2));
    assertThat(join.accept(new Arrival.Label<>("b", 0))).isNull();
    assertThat(join.accept(new Arrival.Label<>("never-seen", 0))).isNull();
    assertThat(join.counts()).isEqualTo(new LabelCounts(1, 2, 1, 1, 0));
  }

  @Test
  void theRowBoundEvictsTheOldestRow() {
    DelayedLabels<Integer, Integer, Integer, Integer> join =
        new DelayedLabels<>(f -> f, 2, Duration.ofDays(1), () -> 0L);
    join.accept(new Arrival.Features<>(1, 1));
    join.accept(new Arrival.Features<>(2, 2));
    join.accept(new Arrival.Features<>(3, 3));
    assertThat(join.accept(new Arrival.Label<>(1, 1))).isNull();
    assertThat(join.accept(new Arrival.Label<>(2, 2))).isNotNull();
    assertThat(join.counts()).isEqualTo(new LabelCounts(1, 1, 1, 0, 1));
  }
}
