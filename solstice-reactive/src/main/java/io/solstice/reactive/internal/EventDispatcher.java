package io.solstice.reactive.internal;

import io.solstice.core.EarlyStoppingException;
import io.solstice.reactive.AsyncSubscriber;
import io.solstice.reactive.SubscriberChain;
import io.solstice.reactive.TrainingEvent;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Sinks;

/**
 * Delivers a run's events: first to every synchronous subscriber, in registration order, on the
 * calling (training) thread, then to the asynchronous subscribers through one multicast sink that
 * never waits (each of them has its own backpressure buffer behind it).
 *
 * <p>An {@link EarlyStoppingException} from a subscriber is recorded as a stop request and the
 * remaining subscribers still see the event; any other exception propagates at once (the
 * remaining subscribers are skipped) and fails the run. Not thread-safe: the training thread
 * only.
 *
 * @param <E> the experiment type
 * @param <O> the step-output type
 */
final class EventDispatcher<E, O> {

  private final SubscriberChain<E, O> subscribers;
  private final RunState<E> state;
  private final Sinks.Many<TrainingEvent<E, O>> async;
  private long lastNanos;

  @SuppressWarnings("unchecked") // subscribers of ? super E, ? super O only read the events
  EventDispatcher(RunSettings settings, RunState<E> state) {
    this.state = state;
    this.subscribers = new SubscriberChain<>(settings.subscribers, state::requestStop);
    if (settings.asyncSubscribers.isEmpty()) {
      this.async = null;
    } else {
      // Emitted from the training thread only; directBestEffort never blocks the emitter, and
      // each subscriber's onBackpressureBuffer/Latest always has demand.
      this.async = Sinks.unsafe().many().multicast().directBestEffort();
      for (AsyncSubscriber<?, ?> subscriber : settings.asyncSubscribers) {
        ((AsyncSubscriber<E, O>) subscriber).subscribeTo(async.asFlux());
      }
    }
  }

  /**
   * Delivers one event, then the checkpoints and signals subscribers announced while handling
   * it, in the order announced (and, recursively, what was announced while handling those).
   *
   * @return the event followed by any {@link TrainingEvent.CheckpointWritten} and {@link
   *     TrainingEvent.SignalRaised}, to emit
   */
  List<TrainingEvent<E, O>> deliver(TrainingEvent<E, O> event) throws Exception {
    long start = System.nanoTime();
    subscribers.deliver(event);
    if (async != null) {
      async.tryEmitNext(event);
    }
    lastNanos = System.nanoTime() - start;
    List<RunState.Announced> announced = state.takeAnnounced();
    if (announced.isEmpty()) {
      return List.of(event);
    }
    long spent = lastNanos;
    List<TrainingEvent<E, O>> events = new ArrayList<>();
    events.add(event);
    for (RunState.Announced a : announced) {
      events.addAll(deliver(toEvent(a, event.experiment())));
      spent += lastNanos;
    }
    lastNanos = spent;
    return events;
  }

  private TrainingEvent<E, O> toEvent(RunState.Announced announced, E experiment) {
    if (announced instanceof RunState.Checkpoint c) {
      return new TrainingEvent.CheckpointWritten<>(state, experiment, c.path(), c.position());
    }
    RunState.Signal s = (RunState.Signal) announced;
    return new TrainingEvent.SignalRaised<>(state, experiment, s.name(), s.detail(), state.position());
  }

  /**
   * How long the last {@link #deliver} spent in subscribers.
   *
   * @return nanoseconds
   */
  long lastNanos() {
    return lastNanos;
  }

  /**
   * Delivers the last event of the run to every subscriber, even when some throw, and ends the
   * asynchronous subscribers' streams.
   *
   * @return the first exception thrown (others added as suppressed), or null; an {@link
   *     EarlyStoppingException} here has nothing left to stop and is ignored
   */
  Throwable runEnded(TrainingEvent.RunEnded<E, O> event) {
    Throwable first = subscribers.deliverLast(event);
    if (async != null) {
      async.tryEmitNext(event);
      async.tryEmitComplete();
    }
    return first;
  }
}
