package io.solstice.reactive;

import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A subscriber of a run's {@link TrainingEvent}s that must never stall the step: a remote
 * logger, a live chart, a server-sent-events feed. Register it with {@link
 * Run#asyncSubscribers}.
 *
 * <p>It is an ordinary Reactive Streams pipeline with Reactor's own backpressure operators in
 * front: for each run, the events go through {@code onBackpressureBuffer(n, DROP_OLDEST)} (or
 * {@code onBackpressureLatest()}) and {@code publishOn(scheduler)} into the subscriber's flow.
 * The training thread only hands each event to the buffer and goes on; when the subscriber
 * falls behind, events are dropped (the oldest buffered one, or all but the latest) and counted
 * in {@link #dropped()}. An error in the flow is logged and ends only this subscriber's
 * delivery for that run.
 *
 * <p>Delivery may go on after the run's publisher terminated, until the buffer is drained;
 * {@link TrainingEvent.RunEnded} is always the last event of a run. One instance may serve
 * several runs, also at once; its counters add up. Thread-safe.
 *
 * @param <E> the experiment type it accepts
 * @param <O> the step-output type it accepts
 */
public final class AsyncSubscriber<E, O> {

  private static final Logger LOG = LoggerFactory.getLogger(AsyncSubscriber.class);

  private final Function<? super Flux<TrainingEvent<E, O>>, ? extends Publisher<?>> flow;
  private final int bufferSize; // 0: keep only the latest
  private final Scheduler scheduler;
  private final LongAdder dropped = new LongAdder();
  private final LongAdder delivered = new LongAdder();

  private AsyncSubscriber(
      Function<? super Flux<TrainingEvent<E, O>>, ? extends Publisher<?>> flow,
      int bufferSize,
      Scheduler scheduler) {
    this.flow = Objects.requireNonNull(flow, "flow");
    this.bufferSize = bufferSize;
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
  }

  /**
   * A subscriber that keeps up to {@code bufferSize} undelivered events and drops the oldest
   * when a new one arrives to a full buffer, delivered on {@link Schedulers#boundedElastic()}.
   *
   * @param bufferSize undelivered events kept, at least 1
   * @param flow the subscriber's pipeline, built once per run; the publisher it returns is
   *     subscribed
   * @param <E> the experiment type
   * @param <O> the step-output type
   * @return the subscriber
   */
  public static <E, O> AsyncSubscriber<E, O> dropOldest(
      int bufferSize, Function<? super Flux<TrainingEvent<E, O>>, ? extends Publisher<?>> flow) {
    if (bufferSize < 1) {
      throw new IllegalArgumentException("bufferSize must be >= 1, was " + bufferSize);
    }
    return new AsyncSubscriber<>(flow, bufferSize, Schedulers.boundedElastic());
  }

  /**
   * A subscriber that sees only the most recent event when it falls behind ({@code
   * onBackpressureLatest}): right for a live view that samples the state.
   *
   * @param flow the subscriber's pipeline, built once per run
   * @param <E> the experiment type
   * @param <O> the step-output type
   * @return the subscriber
   */
  public static <E, O> AsyncSubscriber<E, O> latest(
      Function<? super Flux<TrainingEvent<E, O>>, ? extends Publisher<?>> flow) {
    return new AsyncSubscriber<>(flow, 0, Schedulers.boundedElastic());
  }

  /**
   * A plain Reactive Streams subscriber behind a drop-oldest buffer of {@code bufferSize}
   * events. It is subscribed once per run, so give each run its own subscriber instance, or
   * use {@link #dropOldest} with a flow.
   *
   * @param bufferSize undelivered events kept, at least 1
   * @param subscriber receives the events
   * @param <E> the experiment type
   * @param <O> the step-output type
   * @return the subscriber
   */
  public static <E, O> AsyncSubscriber<E, O> of(
      int bufferSize, Subscriber<? super TrainingEvent<E, O>> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber");
    return dropOldest(bufferSize, events -> {
      events.subscribe(subscriber);
      return Flux.empty();
    });
  }

  /**
   * The same subscriber delivered on another scheduler.
   *
   * @param deliverOn where the flow runs
   * @return a new subscriber with its own counters
   */
  public AsyncSubscriber<E, O> on(Scheduler deliverOn) {
    return new AsyncSubscriber<>(flow, bufferSize, deliverOn);
  }

  /**
   * Subscribes this subscriber's pipeline to one run's events. The engine calls it once per
   * run, before the run's first event; it is public so that the same backpressure applies to
   * any other stream of events.
   *
   * @param events the run's events, emitted without waiting for demand
   * @return the subscription
   */
  public Disposable subscribeTo(Flux<TrainingEvent<E, O>> events) {
    Flux<TrainingEvent<E, O>> bounded = bufferSize > 0
        ? events.onBackpressureBuffer(
            bufferSize, droppedEvent -> dropped.increment(), BufferOverflowStrategy.DROP_OLDEST)
        : events.onBackpressureLatest();
    Flux<TrainingEvent<E, O>> delivery = bounded
        .publishOn(scheduler, 1)
        .doOnNext(event -> delivered.increment());
    if (bufferSize == 0) {
      // onBackpressureLatest hands each event it replaces to the discard hook.
      delivery = delivery.doOnDiscard(TrainingEvent.class, replaced -> dropped.increment());
    }
    Flux<TrainingEvent<E, O>> bufferedEvents = delivery;
    // defer: a flow that throws while being built fails this subscriber, not the run.
    return Flux.defer(() -> Flux.from(flow.apply(bufferedEvents)).cast(Object.class))
        .subscribe(null, error -> LOG.warn("Asynchronous subscriber failed; it receives no more "
            + "events of this run", error));
  }

  /**
   * Events dropped because this subscriber fell behind.
   *
   * @return the count, over every run it served
   */
  public long dropped() {
    return dropped.sum();
  }

  /**
   * Events handed to this subscriber's flow.
   *
   * @return the count, over every run it served
   */
  public long delivered() {
    return delivered.sum();
  }
}
