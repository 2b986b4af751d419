package io.solstice.reactive;

import io.solstice.core.EarlyStoppingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The synchronous subscribers of one run and the rules by which they receive its events: each
 * event goes to every subscriber in registration order on the calling thread; an {@link
 * EarlyStoppingException} is handed to the run as a stop request and the remaining subscribers
 * still see the event; any other exception propagates at once, skipping the rest; {@code
 * RunEnded} reaches every subscriber even when some throw. The engine delivers its events through
 * it, and so does code that drives a run elsewhere (the Spark driver), so both follow one set of
 * rules. Not thread-safe: one thread delivers.
 *
 * @param <E> the experiment type
 * @param <O> the step-output type
 */
public final class SubscriberChain<E, O> {

  private final List<TrainingSubscriber<E, O>> subscribers;
  private final Consumer<? super EarlyStoppingException> onStop;

  /**
   * A chain over subscribers that accept the run's experiment and output types.
   *
   * @param subscribers the subscribers, in delivery order
   * @param onStop receives each early stop a subscriber asks for
   */
  @SuppressWarnings("unchecked") // subscribers of ? super E, ? super O only read the events
  public SubscriberChain(
      List<? extends TrainingSubscriber<?, ?>> subscribers,
      Consumer<? super EarlyStoppingException> onStop) {
    List<TrainingSubscriber<E, O>> typed = new ArrayList<>();
    for (TrainingSubscriber<?, ?> subscriber : subscribers) {
      typed.add((TrainingSubscriber<E, O>) Objects.requireNonNull(subscriber, "subscriber"));
    }
    this.subscribers = List.copyOf(typed);
    this.onStop = Objects.requireNonNull(onStop, "onStop");
  }

  /**
   * Hands an event to every subscriber.
   *
   * @param event the event
   * @throws Exception the first exception a subscriber threw, other than an early stop
   */
  public void deliver(TrainingEvent<E, O> event) throws Exception {
    for (TrainingSubscriber<E, O> subscriber : subscribers) {
      try {
        subscriber.onEvent(event);
      } catch (EarlyStoppingException stop) {
        onStop.accept(stop);
      }
    }
  }

  /**
   * Hands the last event of the run to every subscriber, even when some throw.
   *
   * @param event the run's end
   * @return the first exception thrown (the others added as suppressed), or null; an early stop
   *     here has nothing left to stop and is ignored
   */
  public Throwable deliverLast(TrainingEvent.RunEnded<E, O> event) {
    Throwable first = null;
    for (TrainingSubscriber<E, O> subscriber : subscribers) {
      try {
        subscriber.onEvent(event);
      } catch (EarlyStoppingException ignored) {
        // The run is over already.
      } catch (Exception | Error e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    return first;
  }
}
