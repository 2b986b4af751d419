package io.solstice.reactive;

import io.solstice.core.io.Json;
import io.solstice.core.metrics.Metrics;
import io.solstice.core.metrics.MetricsState;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Accumulates prequential (test-then-train) evaluation, as MOA and River do for online
 * learning: every batch is evaluated before it is trained on, and the per-batch metrics are
 * reported three ways.
 *
 * <ul>
 *   <li><b>cumulative</b>: every batch so far merged ({@link Metrics#merge}), so it equals the
 *       metrics computed over all evaluated examples at once;
 *   <li><b>sliding window</b>: the last {@code windowSize} batches merged;
 *   <li><b>fading factor</b> {@code alpha} in (0, 1]: for each value {@code v} that the
 *       per-batch metrics {@linkplain Metrics#compute() compute}, {@code S = v + alpha * S},
 *       {@code N = 1 + alpha * N}, reported as {@code S / N} (Gama, Sebastião and Rodrigues,
 *       2013). With {@code alpha = 1} it is the plain average of per-batch values.
 * </ul>
 *
 * <p>Not thread-safe: the engine feeds it from the training thread only.
 *
 * @param <M> the metrics type
 */
public final class Prequential<M extends Metrics<M>> {

  private final int windowSize;
  private final double fadingFactor;
  private final Deque<M> window = new ArrayDeque<>();
  private final Map<String, double[]> fadingSums = new LinkedHashMap<>();
  private M cumulative;
  private long batches;

  /**
   * Creates an empty accumulator.
   *
   * @param windowSize how many recent batches the sliding window merges, at least 1
   * @param fadingFactor the fading factor alpha, in (0, 1]
   */
  public Prequential(int windowSize, double fadingFactor) {
    validate(windowSize, fadingFactor);
    this.windowSize = windowSize;
    this.fadingFactor = fadingFactor;
  }

  static void validate(int windowSize, double fadingFactor) {
    if (windowSize < 1) {
      throw new IllegalArgumentException("windowSize must be >= 1, was " + windowSize);
    }
    if (!(fadingFactor > 0 && fadingFactor <= 1)) {
      throw new IllegalArgumentException("fadingFactor must be in (0, 1], was " + fadingFactor);
    }
  }

  /**
   * Adds the evaluation of one batch and returns the updated report.
   *
   * @param evaluated the metrics of the batch, evaluated before training on it
   * @return the cumulative, windowed and fading metrics including this batch
   */
  public PrequentialMetrics<M> accept(M evaluated) {
    return accept(evaluated, null);
  }

  /**
   * Adds the evaluation of one batch evaluated row by row and returns the updated report.
   *
   * @param evaluated the metrics of the batch, evaluated before training on it
   * @param rowErrors each row's error in the batch, or null
   * @return the cumulative, windowed and fading metrics including this batch, with the errors
   */
  public PrequentialMetrics<M> accept(M evaluated, double[] rowErrors) {
    if (cumulative != null && cumulative.getClass() != evaluated.getClass()) {
      throw new IllegalArgumentException("an evaluation of type " + evaluated.getClass().getName()
          + " cannot merge into the figures of type " + cumulative.getClass().getName()
          + " (restored from the state of another kind of experiment?)");
    }
    cumulative = cumulative == null ? evaluated : cumulative.merge(evaluated);
    window.addLast(evaluated);
    if (window.size() > windowSize) {
      window.removeFirst();
    }
    M windowed = evaluated.empty();
    for (M m : window) {
      windowed = windowed.merge(m);
    }
    batches++;
    return new PrequentialMetrics<>(
        evaluated, cumulative, windowed, fade(evaluated), batches, rowErrors);
  }

  /**
   * What this accumulator has summed, in a JSON-compatible form that {@link #restoreState}
   * reads back (a checkpoint stores it, so that a resumed online run continues its figures).
   *
   * @return a fresh map; empty before the first batch; null when the metrics type has no saved
   *     form ({@link MetricsState})
   */
  public Map<String, Object> saveState() {
    if (cumulative == null) {
      return Map.of();
    }
    Map<String, Object> savedCumulative = MetricsState.save(cumulative);
    if (savedCumulative == null) {
      return null;
    }
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("batches", batches);
    state.put("cumulative", savedCumulative);
    state.put("window", window.stream().map(MetricsState::save).toList());
    Map<String, Object> fading = new LinkedHashMap<>();
    fadingSums.forEach((name, sumAndWeight) -> fading.put(name, List.of(sumAndWeight[0], sumAndWeight[1])));
    state.put("fading", fading);
    return state;
  }

  /**
   * Continues from a state {@link #saveState} gave, in place of what this accumulator holds.
   * A window smaller than the saved one keeps the newest batches.
   *
   * @param state the saved state (empty: nothing summed)
   * @throws IllegalArgumentException when the state is not one this class wrote
   */
  @SuppressWarnings("unchecked")
  public void restoreState(Map<String, Object> state) {
    window.clear();
    fadingSums.clear();
    cumulative = null;
    batches = 0;
    if (state.isEmpty()) {
      return;
    }
    try {
      cumulative = (M) MetricsState.restore((Map<String, Object>) state.get("cumulative"));
      for (Object saved : (List<Object>) state.get("window")) {
        window.addLast((M) MetricsState.restore((Map<String, Object>) saved));
        if (window.size() > windowSize) {
          window.removeFirst();
        }
      }
      ((Map<String, Object>) state.get("fading")).forEach((name, saved) -> {
        List<Object> sumAndWeight = (List<Object>) saved;
        fadingSums.put(name, new double[] {Json.toDouble(sumAndWeight.get(0)), Json.toDouble(sumAndWeight.get(1))});
      });
      batches = Json.toLong(state.get("batches"));
    } catch (RuntimeException e) {
      restoreState(Map.of());
      throw new IllegalArgumentException("not a saved prequential state: " + state, e);
    }
  }

  private Map<String, Double> fade(M evaluated) {
    for (double[] sumAndWeight : fadingSums.values()) {
      sumAndWeight[0] *= fadingFactor;
      sumAndWeight[1] *= fadingFactor;
    }
    evaluated.compute().forEach((name, value) -> {
      double[] sumAndWeight = fadingSums.computeIfAbsent(name, k -> new double[2]);
      sumAndWeight[0] += value;
      sumAndWeight[1] += 1;
    });
    Map<String, Double> result = new LinkedHashMap<>();
    fadingSums.forEach((name, sw) -> result.put(name, sw[1] == 0 ? 0 : sw[0] / sw[1]));
    return result;
  }
}
