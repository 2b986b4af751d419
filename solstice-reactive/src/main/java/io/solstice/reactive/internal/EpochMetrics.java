package io.solstice.reactive.internal;

import io.solstice.core.Mode;
import io.solstice.core.metrics.Metrics;
import io.solstice.reactive.TrainingEvent;
import java.util.List;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/**
 * The operator that ends an epoch's events with its merged metrics: the epoch's events are
 * shared ({@code publish}) between the output and a {@code reduce} of the {@code StepEnded}
 * outputs of the epoch's mode, whose one result becomes the epoch-end events after the last
 * step. Merging happens once here, for every subscriber.
 */
final class EpochMetrics {

  private EpochMetrics() {}

  /** Makes the epoch-end events from the epoch's step count and merged outputs (or null). */
  @FunctionalInterface
  interface EpochEnd<T> {
    List<T> events(long steps, Object merged) throws Exception;
  }

  static <E, O> Function<Flux<TrainingEvent<E, O>>, Flux<TrainingEvent<E, O>>> appendEpochEnd(
      Mode mode, EpochEnd<TrainingEvent<E, O>> end) {
    return events -> events.publish(shared -> Flux.merge(1,
        shared,
        shared.filter(event -> event instanceof TrainingEvent.StepEnded<E, O> step
                && step.mode() == mode)
            .reduce(Total.NONE, (total, event) ->
                total.add(((TrainingEvent.StepEnded<E, O>) event).outputs()))
            .<List<TrainingEvent<E, O>>>handle((total, sink) -> {
              try {
                sink.next(end.events(total.steps(), total.merged()));
              } catch (Exception e) {
                sink.error(e);
              }
            })
            .flatMapIterable(list -> list)), 1);
  }

  /** The running merge of one epoch: step count and merged outputs (null unless Metrics). */
  private record Total(long steps, Object merged) {
    static final Total NONE = new Total(0, null);

    @SuppressWarnings({"unchecked", "rawtypes"})
    Total add(Object outputs) {
      if (!(outputs instanceof Metrics metrics)) {
        return new Total(steps + 1, merged);
      }
      return new Total(steps + 1, merged == null ? metrics : ((Metrics) merged).merge(metrics));
    }
  }
}
