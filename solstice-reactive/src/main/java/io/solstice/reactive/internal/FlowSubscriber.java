package io.solstice.reactive.internal;

import io.solstice.reactive.RunControl;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * A synchronous subscriber written as a Reactor pipeline (see {@link TrainingSubscriber#flow}):
 * one pipeline per run, fed on the training thread, so its operators run inside the delivery of
 * each event and whatever they throw reaches the run.
 *
 * @param <E> the experiment type
 * @param <O> the step-output type
 */
public final class FlowSubscriber<E, O> implements TrainingSubscriber<E, O> {

  private final Function<? super Flux<TrainingEvent<E, O>>, ? extends Publisher<?>> flow;
  private final Map<RunControl, Pipeline> pipelines = new ConcurrentHashMap<>();

  /**
   * Wraps a pipeline builder.
   *
   * @param flow builds the pipeline of one run
   */
  public FlowSubscriber(Function<? super Flux<TrainingEvent<E, O>>, ? extends Publisher<?>> flow) {
    this.flow = flow;
  }

  @Override
  public void onEvent(TrainingEvent<E, O> event) throws Exception {
    Pipeline pipeline = event instanceof TrainingEvent.RunStarted<E, O>
        ? pipelines.computeIfAbsent(event.run(), run -> new Pipeline())
        : pipelines.get(event.run());
    if (pipeline == null) {
      return;
    }
    try {
      pipeline.push(event);
    } finally {
      if (event instanceof TrainingEvent.RunEnded<E, O>) {
        pipelines.remove(event.run());
        pipeline.events.tryEmitComplete();
      }
    }
    pipeline.rethrow();
  }

  /** The pipeline of one run and the first error it signalled. */
  private final class Pipeline {
    // Unicast without a buffer: a pipeline that stops requesting would otherwise make the
    // training thread buffer without bound; it fails the run instead.
    final Sinks.Many<TrainingEvent<E, O>> events = Sinks.unsafe().many().unicast()
        .onBackpressureError();
    private Throwable error;
    private boolean reported;

    Pipeline() {
      Flux.from(flow.apply(events.asFlux())).subscribe(null, failure -> error = failure);
    }

    void push(TrainingEvent<E, O> event) {
      Sinks.EmitResult result = events.tryEmitNext(event);
      if (result == Sinks.EmitResult.FAIL_OVERFLOW && error == null) {
        error = new IllegalStateException("a flow subscriber stopped requesting events; a "
            + "synchronous pipeline must not apply backpressure (use an AsyncSubscriber)");
      }
    }

    void rethrow() throws Exception {
      if (error == null || reported) {
        return;
      }
      reported = true;
      if (error instanceof Exception e) {
        throw e;
      }
      throw (Error) error;
    }
  }
}
