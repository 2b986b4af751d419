package io.solstice.online.labels;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongSupplier;
import reactor.core.publisher.Flux;

/**
 * Joins labels that arrive later than their features, by key, within a bounded window: when
 * features arrive they are predicted at once and kept with their prediction; when their label
 * arrives the row is emitted as a {@link Joined} (once: train on it, and evaluate the prediction
 * made before the label was known) and forgotten.
 *
 * <p>Memory is bounded in rows and in time: at most {@code maxPending} rows wait for a label
 * (the oldest is evicted as missing when one more arrives), none waits longer than {@code
 * maxAge} (checked at each arrival), and the keys of the last {@code maxPending} joins are
 * remembered to tell a duplicate label from a late one. A label whose row is neither pending nor
 * remembered is counted late and dropped.
 *
 * <pre>{@code
 * DelayedLabels<String, float[], Integer, Integer> join =
 *     new DelayedLabels<>(model::predict, 10_000, Duration.ofMinutes(10), System::nanoTime);
 * arrivals.transform(join::join)
 *     .doOnNext(row -> model.learn(row.features(), row.label()))
 *     .subscribe();
 * }</pre>
 *
 * <p>One stream at a time: the operator keeps its window in this object, on the thread that
 * emits the arrivals. Read {@link #counts()} on that thread or after the stream has terminated.
 *
 * @param <K> the key type
 * @param <F> the features type
 * @param <P> the prediction type
 * @param <L> the label type
 */
public final class DelayedLabels<K, F, P, L> {
  private final Function<? super F, ? extends P> predict;
  private final int maxPending;
  private final long maxAgeNanos;
  private final LongSupplier nanoClock;
  private final LinkedHashMap<K, Pending<F, P>> pending = new LinkedHashMap<>();
  private final LinkedHashMap<K, Boolean> recentlyJoined;
  private long arrivals;
  private long joined;
  private long late;
  private long missing;
  private long duplicate;

  /**
   * A join.
   *
   * @param predict predicts a row's features on arrival
   * @param maxPending the most rows that wait for a label at once, at least 1
   * @param maxAge the longest a row waits for its label
   * @param nanoClock the clock of the age bound, in nanoseconds ({@code System::nanoTime})
   */
  public DelayedLabels(
      Function<? super F, ? extends P> predict, int maxPending, Duration maxAge, LongSupplier nanoClock) {
    this.predict = Objects.requireNonNull(predict, "predict");
    if (maxPending < 1) {
      throw new IllegalArgumentException("maxPending must be >= 1, was " + maxPending);
    }
    if (maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("maxAge must be positive, was " + maxAge);
    }
    this.maxPending = maxPending;
    this.maxAgeNanos = maxAge.toNanos();
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.recentlyJoined = new LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, Boolean> eldest) {
        return size() > DelayedLabels.this.maxPending;
      }
    };
  }

  /**
   * The operator: emits one {@link Joined} per label that finds its row pending.
   *
   * @param arrivals features and labels in arrival order
   * @return the joined rows
   */
  public Flux<Joined<K, F, P, L>> join(Flux<? extends Arrival<K, F, L>> arrivals) {
    return arrivals.handle((arrival, sink) -> {
      Joined<K, F, P, L> row = accept(arrival);
      if (row != null) {
        sink.next(row);
      }
    });
  }

  /**
   * Takes one arrival without Reactor.
   *
   * @param arrival the next arrival
   * @return the joined row when a label found its features, otherwise null
   */
  public Joined<K, F, P, L> accept(Arrival<K, F, L> arrival) {
    long now = nanoClock.getAsLong();
    long index = arrivals++;
    evictOlderThan(now - maxAgeNanos);
    if (arrival instanceof Arrival.Features<K, F, L> features) {
      Pending<F, P> previous = pending.remove(features.key());
      if (previous != null) {
        missing++; // the same key again: the earlier row will never get its own label
      }
      pending.put(features.key(), new Pending<>(features.features(), predict.apply(features.features()), now, index));
      if (pending.size() > maxPending) {
        evictEldest();
      }
      return null;
    }
    Arrival.Label<K, F, L> label = (Arrival.Label<K, F, L>) arrival;
    Pending<F, P> row = pending.remove(label.key());
    if (row == null) {
      if (recentlyJoined.containsKey(label.key())) {
        duplicate++;
      } else {
        late++;
      }
      return null;
    }
    joined++;
    recentlyJoined.put(label.key(), Boolean.TRUE);
    return new Joined<>(label.key(), row.features, row.prediction, label.label(), index - row.index);
  }

  private void evictOlderThan(long oldest) {
    Iterator<Pending<F, P>> rows = pending.values().iterator();
    while (rows.hasNext()) {
      if (rows.next().arrivedNanos - oldest >= 0) {
        return; // insertion order is arrival order: the rest are younger
      }
      rows.remove();
      missing++;
    }
  }

  private void evictEldest() {
    Iterator<Pending<F, P>> rows = pending.values().iterator();
    rows.next();
    rows.remove();
    missing++;
  }

  /**
   * The counts so far.
   *
   * @return joined, late, missing and duplicate labels, and rows pending now
   */
  public LabelCounts counts() {
    return new LabelCounts(joined, late, missing, duplicate, pending.size());
  }

  private record Pending<F, P>(F features, P prediction, long arrivedNanos, long index) {}
}
