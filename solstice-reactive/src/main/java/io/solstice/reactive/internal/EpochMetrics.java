package io.solstice.reactive.internal;

import io.solstice.core.Mode;
import io.solstice.core.metrics.Metrics;
import io.solstice.reactive.TrainingEvent;
import java.util.List;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/**
 * The operator that ends an epoch's events with its merged metrics: a {@code scan} carries the
 * running merge of the epoch's {@code StepEnded} outputs of its mode alongside the events, and
 * the merge after the last event becomes the epoch-end events. Merging happens once here, for
 * every subscriber, and {@code scan} passes demand through exactly, so no step runs ahead of
 * the run's subscriber.
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
    return events -> Flux.defer(() -> {
      Running<E, O> start = new Running<>(null, Total.NONE);
      @SuppressWarnings("unchecked")
      Running<E, O>[] last = new Running[] {start};
      return events
          .scan(start, (running, event) -> new Running<>(event, running.total().add(mode, event)))
          .skip(1)
          .doOnNext(running -> last[0] = running)
          .<TrainingEvent<E, O>>map(Running::event)
          .concatWith(Flux.defer(() -> {
            try {
              Total total = last[0].total();
              return Flux.fromIterable(end.events(total.steps(), total.merged()));
            } catch (Exception e) {
              return Flux.error(e);
            }
          }));
    });
  }

  /** An event with the epoch's merge up to and including it. */
  private record Running<E, O>(TrainingEvent<E, O> event, Total total) {}

  /** The running merge of one epoch: step count and merged outputs (null unless Metrics). */
  private record Total(long steps, Object merged) {
    static final Total NONE = new Total(0, null);

    @SuppressWarnings({"unchecked", "rawtypes"})
    Total add(Mode mode, TrainingEvent<?, ?> event) {
      if (!(event instanceof TrainingEvent.StepEnded<?, ?> step) || step.mode() != mode) {
        return this;
      }
      if (!(step.outputs() instanceof Metrics metrics)) {
        return new Total(steps + 1, merged);
      }
      return new Total(steps + 1, merged == null ? metrics : ((Metrics) merged).merge(metrics));
    }
  }
}
