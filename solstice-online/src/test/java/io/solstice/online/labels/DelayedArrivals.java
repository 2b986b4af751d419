package io.solstice.online.labels;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * A stream whose labels arrive after their features, as fraud or ad streams deliver them: row
 * {@code i}'s label comes 0 to 500 rows after its features, 5% of rows never get one, and 5% get
 * it twice (the second copy 1 to 300 rows after the first). Keys are the row numbers.
 *
 * @param <F> the features type
 */
final class DelayedArrivals<F> {
  final List<Arrival<Long, F, Integer>> arrivals = new ArrayList<>();
  final boolean[] labelled;
  int never;
  int twice;

  /**
   * @param rows rows of features
   * @param seed the schedule's seed
   * @param features the features of row i
   * @param label the label of row i
   */
  DelayedArrivals(int rows, long seed, IntFunction<F> features, IntUnaryOperator label) {
    Random random = new Random(seed);
    labelled = new boolean[rows];
    // Labels are scheduled by feature arrival: the label of row i comes after the features of
    // row i + delay.
    TreeMap<Integer, List<Integer>> labelsAfter = new TreeMap<>();
    for (int i = 0; i < rows; i++) {
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
    for (int t = 0; t < rows; t++) {
      arrivals.add(new Arrival.Features<>((long) t, features.apply(t)));
      for (int key : labelsAfter.getOrDefault(t, List.of())) {
        arrivals.add(new Arrival.Label<>((long) key, label.applyAsInt(key)));
      }
    }
    labelsAfter.tailMap(rows).values()
        .forEach(keys -> keys.forEach(key -> arrivals.add(new Arrival.Label<>((long) key, label.applyAsInt(key)))));
  }

  int labelledRows() {
    return labelled.length - never;
  }
}
