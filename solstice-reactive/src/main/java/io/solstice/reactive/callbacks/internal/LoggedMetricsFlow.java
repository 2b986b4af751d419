package io.solstice.reactive.callbacks.internal;

import io.solstice.core.Mode;
import io.solstice.core.metrics.Metrics;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingEvent.EpochEnded;
import io.solstice.reactive.TrainingEvent.StepEnded;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.callbacks.LoggedMetrics;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;

/**
 * What {@link io.solstice.reactive.callbacks.LoggingCallback} and {@link
 * io.solstice.reactive.callbacks.CsvLogger} log, as one Reactor pipeline over a run's events
 * (a {@link TrainingSubscriber#flow}, so one pipeline per run and nothing carried between runs):
 *
 * <ul>
 *   <li><b>windows of exactly N steps</b> of each mode: the {@code StepEnded} events are grouped
 *       by mode, cut with {@code windowUntil} after every step s with {@code (s + 1) % N == 0},
 *       and each window's outputs merged with {@code reduce}. Windows are aligned to step
 *       numbers, so the one ending at step s covers steps {@code s-N+1 .. s}, across epoch
 *       boundaries. After a resume in the middle of a window, the first window covers only the
 *       steps since the resume and the next ones are in phase again. A window still open when the
 *       run ends is not logged.
 *   <li><b>epoch summaries</b>: the merged metrics the engine carries on {@code EpochEnded}, for
 *       every epoch that ran a step.
 * </ul>
 *
 * <p>Both are emitted while the event that completes them is delivered, in event order.
 */
public final class LoggedMetricsFlow {

  private final String owner;
  private final long everySteps;
  private final boolean atEpochEnd;

  /**
   * Chooses what to log.
   *
   * @param owner the subscriber's name, for error messages
   * @param everySteps the window length; 0 for no windows
   * @param atEpochEnd whether to log a summary of each epoch
   * @throws IllegalArgumentException when that logs nothing
   */
  public LoggedMetricsFlow(String owner, long everySteps, boolean atEpochEnd) {
    if (everySteps < 0) {
      throw new IllegalArgumentException("everySteps must be >= 0, was " + everySteps);
    }
    if (everySteps == 0 && !atEpochEnd) {
      throw new IllegalArgumentException(
          owner + " logs nothing: give everySteps > 0 or log at epoch end");
    }
    this.owner = owner;
    this.everySteps = everySteps;
    this.atEpochEnd = atEpochEnd;
  }

  /**
   * A synchronous subscriber that hands every window and epoch summary of each run to {@code
   * sink}, on the training thread; what {@code sink} throws fails (or, for an {@link
   * io.solstice.core.EarlyStoppingException}, stops) the run.
   *
   * @param sink receives the logged metrics
   * @return the subscriber
   */
  public TrainingSubscriber<Object, Object> subscriber(Consumer<LoggedMetrics> sink) {
    return TrainingSubscriber.flow(events -> logged(events).doOnNext(sink));
  }

  /**
   * The windows and epoch summaries of one run's events.
   *
   * @param events the events of one run
   * @return what to log, in event order
   */
  public Flux<LoggedMetrics> logged(Flux<TrainingEvent<Object, Object>> events) {
    return events.publish(shared -> Flux.merge(
        everySteps > 0 ? windows(shared) : Flux.empty(),
        atEpochEnd ? epochSummaries(shared) : Flux.empty()));
  }

  private Flux<LoggedMetrics> windows(Flux<TrainingEvent<Object, Object>> events) {
    return events
        .<StepEnded<Object, Object>>handle((event, sink) -> {
          if (event instanceof StepEnded<Object, Object> step) {
            sink.next(step);
          }
        })
        .groupBy(StepEnded::mode)
        .flatMap(steps -> steps
            .windowUntil(this::endsWindow)
            .concatMap(window -> window.map(this::window).reduce(Window::merge)))
        .filter(window -> endsWindow(window.last()))
        .map(Window::logged);
  }

  private boolean endsWindow(StepEnded<Object, Object> step) {
    return (step.globalStep() + 1) % everySteps == 0;
  }

  private Window window(StepEnded<Object, Object> step) {
    if (!(step.outputs() instanceof Metrics<?> metrics)) {
      throw notMetrics(step.outputs().getClass().getName() + " from " + step.mode().label()
          + " step " + step.globalStep());
    }
    return new Window(metrics, 1, step);
  }

  private Flux<LoggedMetrics> epochSummaries(Flux<TrainingEvent<Object, Object>> events) {
    return Flux.defer(() -> {
      // Val steps done, from the steps themselves: the position of a validation cut short stands
      // at its start after a train epoch, but after its last step at a step cadence.
      long[] valSteps = {0};
      return events.handle((event, sink) -> {
        if (event instanceof StepEnded<Object, Object> step && step.mode() == Mode.VAL) {
          valSteps[0] = step.globalStep() + 1;
        } else if (event instanceof EpochEnded<Object, Object> epoch && epoch.steps() > 0) {
          sink.next(summary(epoch, valSteps[0]));
        }
      });
    });
  }

  private LoggedMetrics summary(EpochEnded<Object, Object> epoch, long valStepsDone) {
    if (epoch.metrics() == null) {
      // The engine merges only Metrics: steps ran, so their outputs were something else.
      throw notMetrics("outputs that are not Metrics in " + epoch.mode().label() + " epoch "
          + epoch.epoch());
    }
    long stepsOfMode = switch (epoch.mode()) {
      case TRAIN -> epoch.position().trainSteps();
      case VAL -> valStepsDone;
      // A test run is one TEST epoch whose steps are numbered from 0.
      case TEST -> epoch.steps();
    };
    return new LoggedMetrics(epoch.mode(), epoch.epoch(), LoggedMetrics.Kind.EPOCH, stepsOfMode,
        epoch.position().trainSteps(), epoch.steps(), epoch.values(), epoch.complete());
  }

  private IllegalArgumentException notMetrics(String got) {
    return new IllegalArgumentException(owner + " needs step outputs that implement "
        + "io.solstice.core.metrics.Metrics, but got " + got
        + "; return a Metrics (for example a MetricGroup) from trainStep/evalStep");
  }

  /** Merged outputs of consecutive steps of one mode, and the last of those steps. */
  private record Window(Metrics<?> merged, long steps, StepEnded<Object, Object> last) {

    @SuppressWarnings({"unchecked", "rawtypes"}) // steps of one run merge with each other
    Window merge(Window later) {
      return new Window((Metrics<?>) ((Metrics) merged).merge(later.merged),
          steps + later.steps, later.last);
    }

    LoggedMetrics logged() {
      Mode mode = last.mode();
      return new LoggedMetrics(mode, last.epoch(), LoggedMetrics.Kind.WINDOW,
          last.globalStep() + 1, last.position().trainSteps(), steps, merged.compute(), true);
    }
  }
}
