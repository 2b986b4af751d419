package io.solstice.online.drift;

import io.solstice.reactive.RunControl;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/**
 * Drift detection as a Reactor operator: {@code errors.transform(DriftDetection.signals(new
 * Adwin()))} feeds every value to the detector, in order, on the thread that emits it, and emits
 * a {@link DriftSignal} for each drift and for each entry into a warning zone (a warning is
 * emitted once, when the state turns from stable to warning, not for every value in the zone).
 *
 * <p>Backpressure: the operator consumes values as they come and emits at most one signal per
 * value, so it requests more values whenever a value raises no signal (Reactor's {@code handle}).
 * Errors and cancellation pass through; the detector keeps its state, so a later subscription
 * with the same detector continues where this one stopped (a subscription that starts inside a
 * warning zone reports that warning again, as it has not seen the zone begin).
 *
 * <p>Signals found outside a run (on a stream of errors read from its events, say) join the run's
 * own event stream with {@link #raiseIn}: {@code .doOnNext(DriftDetection.raiseIn(run))}. Inside a
 * run, {@link DriftReaction} detects on the training thread and raises them itself.
 */
public final class DriftDetection {
  private DriftDetection() {}

  /**
   * The operator.
   *
   * @param detector the detector it feeds; one stream at a time
   * @return a function for {@link Flux#transform}
   */
  public static Function<Flux<? extends Number>, Flux<DriftSignal>> signals(DriftDetector detector) {
    Objects.requireNonNull(detector, "detector");
    return values -> Flux.defer(() -> {
      SignalFeed feed = new SignalFeed(detector);
      return values.handle((value, sink) -> {
        DriftSignal signal = feed.offer(value.doubleValue());
        if (signal != null) {
          sink.next(signal);
        }
      });
    });
  }

  /**
   * Raises each signal in a run's event stream, as a {@link
   * io.solstice.reactive.TrainingEvent.SignalRaised} named {@link DriftSignal#eventName()}: every
   * subscriber of the run, reactions included, sees it after the next event the run delivers.
   *
   * @param run the run, from any of its events
   * @return a consumer of signals, for {@code doOnNext}
   */
  public static Consumer<DriftSignal> raiseIn(RunControl run) {
    Objects.requireNonNull(run, "run");
    return signal -> signal.raiseIn(run);
  }
}
