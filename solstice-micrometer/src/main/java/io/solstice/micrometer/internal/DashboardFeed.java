package io.solstice.micrometer.internal;

import io.solstice.core.Mode;
import io.solstice.core.metrics.Metrics;
import io.solstice.reactive.PrequentialMetrics;
import io.solstice.reactive.TrainingEvent;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;

/**
 * Turns one run's events into the dashboard's points, one JSON object each: the train steps
 * summarised per sampling period (the last step's metrics, the period's mean step time and data
 * wait, steps per second, batches in flight, the owner's gauges), and every epoch's merged metrics.
 * It runs behind an
 * asynchronous subscriber's buffer, so however slow it is, training is not.
 */
public final class DashboardFeed {

  // The metrics the page charts; the others stay out of the stream.
  private static final Set<String> CHARTED = Set.of("loss", "accuracy");

  private final Duration period;
  private final Consumer<Json> out;
  private final long startNanos;
  private final Supplier<Map<String, Double>> gauges;
  // The previous step point (the timer thread of `buffer` only).
  private long previousStep = -1;
  private long previousNanos;

  /**
   * A feed for one run.
   *
   * @param period the sampling period of step points
   * @param startNanos {@link System#nanoTime()} at the dashboard's start: the time axis
   * @param gauges the values of the gauges the run's owner added, read with every step point
   * @param out receives each point (a JSON object without its sequence number)
   */
  public DashboardFeed(Duration period, long startNanos, Supplier<Map<String, Double>> gauges,
      Consumer<Json> out) {
    this.period = period;
    this.startNanos = startNanos;
    this.gauges = gauges;
    this.out = out;
  }

  /**
   * The pipeline of one run's events.
   *
   * @param events the run's events
   * @return what to subscribe
   */
  @SuppressWarnings("unchecked")
  public Flux<Json> points(Flux<TrainingEvent<Object, Object>> events) {
    return events.publish(shared -> Flux.merge(
            shared.filter(e -> e instanceof TrainingEvent.StepEnded<Object, Object> s
                    && s.mode() == Mode.TRAIN)
                .map(e -> (TrainingEvent.StepEnded<Object, Object>) e)
                .buffer(period)
                .filter(steps -> !steps.isEmpty())
                .map(this::stepPoint),
            shared.filter(e -> e instanceof TrainingEvent.EpochEnded<Object, Object> end
                    && !end.values().isEmpty())
                .map(e -> epochPoint((TrainingEvent.EpochEnded<Object, Object>) e))))
        .doOnNext(out);
  }

  private Json stepPoint(List<TrainingEvent.StepEnded<Object, Object>> steps) {
    TrainingEvent.StepEnded<Object, Object> last = steps.get(steps.size() - 1);
    long stepNanos = 0;
    long waitNanos = 0;
    for (TrainingEvent.StepEnded<Object, Object> step : steps) {
      stepNanos += step.timings().step();
      waitNanos += step.timings().dataWait();
    }
    long now = System.nanoTime();
    long step = last.globalStep() + 1;
    // Steps per second from the step counter, so events the buffer dropped still count.
    double stepsPerSecond = previousStep < 0
        ? steps.size() / (period.toNanos() / 1e9)
        : (step - previousStep) / ((now - previousNanos) / 1e9);
    previousStep = step;
    previousNanos = now;
    Json point = new Json()
        .put("kind", "step")
        .put("run", last.run().id())
        .put("step", step)
        .put("t", (now - startNanos) / 1e9)
        .put("stepsPerSecond", stepsPerSecond)
        .put("stepMs", stepNanos / 1e6 / steps.size())
        .put("dataWaitMs", waitNanos / 1e6 / steps.size())
        .put("inFlight", last.run().batchesInFlight())
        .put("prefetch", last.run().prefetch());
    Map<String, Double> sampled = gauges.get();
    if (!sampled.isEmpty()) {
      point.put("gauges", new Json().putAll(sampled));
    }
    if (last.outputs() instanceof Metrics<?> metrics) {
      point.put("values", new Json().putAll(charted(metrics.compute())));
    }
    PrequentialMetrics<Object> prequential = last.prequential();
    if (prequential != null) {
      point.put("prequential", new Json()
          .put("cumulative", new Json().putAll(charted(computed(prequential.cumulative()))))
          .put("window", new Json().putAll(charted(computed(prequential.window()))))
          .put("fading", new Json().putAll(charted(prequential.fading()))));
    }
    return point;
  }

  private Json epochPoint(TrainingEvent.EpochEnded<Object, Object> end) {
    return new Json()
        .put("kind", end.complete() ? "epoch" : "epoch_cut_short")
        .put("run", end.run().id())
        .put("mode", end.mode().name().toLowerCase(Locale.ROOT))
        .put("epoch", end.epoch())
        .put("step", end.position().trainSteps())
        .put("t", (System.nanoTime() - startNanos) / 1e9)
        .put("values", new Json().putAll(charted(end.values())));
  }

  private static Map<String, Double> charted(Map<String, Double> values) {
    return values.entrySet().stream().filter(e -> CHARTED.contains(e.getKey()))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  private static Map<String, Double> computed(Object outputs) {
    return outputs instanceof Metrics<?> metrics ? metrics.compute() : Map.of();
  }
}
