package io.solstice.online.labels;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** The delayed-label join: exact counts, each label trained once, bounded memory. */
class DelayedLabelsTest {
  private static final int ROWS = 20_000;
  private static final int MAX_PENDING = 1_000;

  @Test
  void labelsUpTo500RowsLateSomeNeverSomeTwiceEachTrainOnceWithExactCounts() {
    Random random = new Random(21);
    // Labels are scheduled by feature arrival: label of row i arrives after features of row i + delay.
    TreeMap<Integer, List<Integer>> labelsAfter = new TreeMap<>();
    int never = 0;
    int twice = 0;
    boolean[] labelled = new boolean[ROWS];
    for (int i = 0; i < ROWS; i++) {
      double kind = random.nextDouble();
      if (kind < 0.05) {
        never++;
        continue;
      }
      labelled[i] = true;
      int delay = random.nextInt(501);
      labelsAfter.computeIfAbsent(i + delay, t -> new ArrayList<>()).add(i);
      if (kind < 0.10) {
        twice++;
        labelsAfter.computeIfAbsent(i + delay + 1 + random.nextInt(300), t -> new ArrayList<>()).add(i);
      }
    }
    List<Arrival<Integer, Integer, Integer>> arrivals = new ArrayList<>();
    for (int t = 0; t < ROWS; t++) {
      arrivals.add(new Arrival.Features<>(t, t));
      for (int key : labelsAfter.getOrDefault(t, List.of())) {
        arrivals.add(new Arrival.Label<>(key, key % 2));
      }
    }
    labelsAfter.tailMap(ROWS).values().forEach(keys -> keys.forEach(key -> arrivals.add(new Arrival.Label<>(key, key % 2))));

    // The "model" is its count of trained rows; a prediction is the model version that made it.
    AtomicLong trained = new AtomicLong();
    DelayedLabels<Integer, Integer, Long, Integer> join =
        new DelayedLabels<>(features -> trained.get(), MAX_PENDING, Duration.ofDays(1), () -> 0L);
    Map<Integer, Integer> trainings = new HashMap<>();
    int[] maxPendingSeen = {0};
    Flux.fromIterable(arrivals)
        .doOnNext(a -> maxPendingSeen[0] = Math.max(maxPendingSeen[0], join.counts().pending()))
        .transform(join::join)
        .doOnNext(row -> {
          assertThat(row.label()).isEqualTo(row.key() % 2);
          assertThat(row.features()).isEqualTo(row.key());
          // Evaluated on the prediction made before the label was known.
          assertThat(row.prediction()).isLessThanOrEqualTo(trained.get());
          trainings.merge(row.key(), 1, Integer::sum);
          trained.incrementAndGet();
        })
        .blockLast();

    LabelCounts counts = join.counts();
    int labelledRows = ROWS - never;
    assertThat(trainings).hasSize(labelledRows).allSatisfy((key, times) -> {
      assertThat(times).as("row %d", key).isEqualTo(1);
      assertThat(labelled[key]).isTrue();
    });
    assertThat(counts.joined()).isEqualTo(labelledRows);
    assertThat(counts.duplicate()).isEqualTo(twice);
    assertThat(counts.late()).isZero();
    // Every row is joined, evicted as missing, or still pending: never-labelled ones only.
    assertThat(counts.missing() + counts.pending()).isEqualTo(never);
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
