package io.solstice.reactive;

import io.solstice.reactive.internal.FlowSubscriber;
import java.util.Objects;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * A synchronous subscriber of a run's {@link TrainingEvent}s: called on the training thread, in
 * registration order, before the run goes on. It therefore sees the experiment in a consistent
 * state and the batch of a step still open, and can stop the run ({@link RunControl#stop} or
 * {@link io.solstice.core.EarlyStoppingException}) exactly where the contract of {@link
 * Solstice} says. Anything else it throws fails the run.
 *
 * <p>It costs the step its own time: use an {@link AsyncSubscriber} for slow work (network,
 * disk, plotting) that must never stall training.
 *
 * <p>Built-in subscribers (logging, progress, CSV, early stopping, checkpoints, profiling)
 * accept any experiment and output type, so they need no type arguments.
 *
 * @param <E> the experiment type it accepts
 * @param <O> the step-output type it accepts
 */
@FunctionalInterface
public interface TrainingSubscriber<E, O> {

  /**
   * Handles one event on the training thread.
   *
   * @param event the event
   * @throws Exception to fail the run (or {@link io.solstice.core.EarlyStoppingException} to
   *     stop it)
   */
  void onEvent(TrainingEvent<E, O> event) throws Exception;

  /**
   * A synchronous subscriber written with Reactor operators: for each run, {@code flow} gets a
   * {@code Flux} of the run's events, delivered on the training thread as they happen, and the
   * publisher it returns is subscribed with unbounded demand. Operators that do not change
   * threads ({@code filter}, {@code window}, {@code reduce}, {@code scan}, {@code doOnNext})
   * therefore run inside the event's delivery: an exception there fails the run, an {@link
   * io.solstice.core.EarlyStoppingException} stops it, and {@link RunControl#stop} works as from
   * {@link #onEvent}. The events complete after {@link TrainingEvent.RunEnded}. A pipeline that
   * throws has ended, as any Reactor sequence does on an error: it sees no later event of the run,
   * {@code RunEnded} included, so a pipeline that stops the run and goes on watching calls {@link
   * RunControl#stop} instead of throwing.
   *
   * <pre>{@code
   * TrainingSubscriber.flow(events -> events
   *     .filter(e -> e instanceof TrainingEvent.EpochEnded<?, ?> end
   *         && end.values().getOrDefault("loss", 0.0) > 10)
   *     .doOnNext(e -> e.run().stop("loss above 10")))
   * }</pre>
   *
   * <p>Operators that move to another thread ({@code publishOn}, {@code delayElements}) would
   * leave the training thread; use {@link AsyncSubscriber} for those.
   *
   * @param flow builds the subscriber's pipeline, once per run
   * @param <E> the experiment type
   * @param <O> the step-output type
   * @return the subscriber
   */
  static <E, O> TrainingSubscriber<E, O> flow(
      Function<? super Flux<TrainingEvent<E, O>>, ? extends Publisher<?>> flow) {
    return new FlowSubscriber<>(Objects.requireNonNull(flow, "flow"));
  }
}
