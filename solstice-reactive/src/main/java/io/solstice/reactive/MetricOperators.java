package io.solstice.reactive;

import io.solstice.core.metrics.Metrics;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reduce and window operators for streams of {@link Metrics}, to compose with
 * {@code Flux.transform} / {@code Flux.as}:
 *
 * <pre>{@code
 * source.transform(Solstice.trainStep(exp))
 *     .map(TrainingEvent.StepEnded::outputs)
 *     .transform(MetricOperators.tumbling(100))      // merged every 100 steps
 * }</pre>
 *
 * All operators are built on {@link Metrics#merge}, so every result equals the metrics
 * computed over the same examples at once. Per-epoch metrics need no operator: the engine
 * merges them once and puts them on {@link TrainingEvent.EpochEnded}.
 */
public final class MetricOperators {

  private MetricOperators() {}

  /**
   * Merges a whole stream into one value ({@code reduce(Metrics::merge)}); empty when the
   * stream is.
   *
   * @param <M> the metrics type
   * @return the operator
   */
  public static <M extends Metrics<M>> Function<Flux<M>, Mono<M>> merged() {
    return metrics -> metrics.reduce(Metrics::merge);
  }

  /**
   * The running merge: after each element, everything so far ({@code scan(Metrics::merge)}).
   *
   * @param <M> the metrics type
   * @return the operator
   */
  public static <M extends Metrics<M>> Function<Flux<M>, Flux<M>> cumulative() {
    return metrics -> metrics.scan(Metrics::merge);
  }

  /**
   * Non-overlapping windows of {@code size} elements, each merged; a last, shorter window is
   * emitted when the stream completes.
   *
   * @param size elements per window, at least 1
   * @param <M> the metrics type
   * @return the operator
   */
  public static <M extends Metrics<M>> Function<Flux<M>, Flux<M>> tumbling(int size) {
    requirePositive(size);
    return metrics -> metrics.window(size).concatMap(w -> w.reduce(Metrics::merge));
  }

  /**
   * A sliding window: after each element, the last {@code size} elements merged.
   *
   * @param size elements per window, at least 1
   * @param <M> the metrics type
   * @return the operator
   */
  public static <M extends Metrics<M>> Function<Flux<M>, Flux<M>> sliding(int size) {
    requirePositive(size);
    return metrics -> Flux.defer(() -> {
      Deque<M> window = new ArrayDeque<>(size);
      return metrics.map(m -> {
        window.addLast(m);
        if (window.size() > size) {
          window.removeFirst();
        }
        M merged = m.empty();
        for (M each : window) {
          merged = merged.merge(each);
        }
        return merged;
      });
    });
  }

  private static void requirePositive(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("window size must be >= 1, was " + size);
    }
  }
}
