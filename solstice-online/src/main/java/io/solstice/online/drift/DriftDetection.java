package io.solstice.online.drift;

import java.util.Objects;
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
      DriftState[] previous = {DriftState.STABLE};
      return values.handle((value, sink) -> {
        DriftState state = detector.update(value.doubleValue());
        boolean raise = state == DriftState.DRIFT
            || (state == DriftState.WARNING && previous[0] != DriftState.WARNING);
        previous[0] = state;
        if (raise) {
          sink.next(new DriftSignal(detector.name(), state, detector.seen() - 1, detector.estimate()));
        }
      });
    });
  }
}
