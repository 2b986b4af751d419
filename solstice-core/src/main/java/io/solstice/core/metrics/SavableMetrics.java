package io.solstice.core.metrics;

import java.util.Map;

/**
 * Metrics of a type of your own that a checkpoint can carry part-way through an epoch, as it
 * carries the built-in ones ({@link MetricsState}), so that a resumed run ends the epoch with
 * the metrics of an uninterrupted run. Without it, a resumed run starts such a type's sums over
 * and the log says so.
 *
 * <p>The type gives every sum it merges as a JSON-compatible map ({@link #state}), and takes
 * that map back in a public constructor of one {@code Map<String, Object>} argument, which
 * {@link MetricsState#restore} finds by the class's name (so the class must be on the resumed
 * run's class path under the same name). The map comes back from the checkpoint's JSON: read its
 * numbers with {@link io.solstice.core.io.Json#toDouble} and {@link io.solstice.core.io.Json#toLong},
 * which also read back NaN and the infinities.
 *
 * <pre>{@code
 * record Hits(long hits, long total) implements SavableMetrics<Hits> {
 *   public Hits(Map<String, Object> state) {
 *     this(Json.toLong(state.get("hits")), Json.toLong(state.get("total")));
 *   }
 *   public Map<String, Object> state() { return Map.of("hits", hits, "total", total); }
 *   public Hits merge(Hits o) { return new Hits(hits + o.hits, total + o.total); }
 *   public Hits empty() { return new Hits(0, 0); }
 *   public Map<String, Double> compute() { return Map.of("hit_rate", total == 0 ? 0 : (double) hits / total); }
 * }
 * }</pre>
 *
 * @param <M> the metrics type itself
 */
public interface SavableMetrics<M extends SavableMetrics<M>> extends Metrics<M> {

  /**
   * Every sum these metrics merge, such that the type's constructor taking this map gives
   * metrics equal to these.
   *
   * @return a JSON-compatible map: numbers, strings, booleans, lists and maps
   */
  Map<String, Object> state();
}
