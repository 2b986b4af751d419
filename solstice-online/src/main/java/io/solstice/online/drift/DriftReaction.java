package io.solstice.online.drift;

import io.solstice.core.Mode;
import io.solstice.core.checkpoint.StateValues;
import io.solstice.core.checkpoint.StatefulCallback;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.online.linear.OnlineLogisticRegression;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A synchronous subscriber of a run that feeds the values of each training step (usually the
 * per-row errors) to a {@link DriftDetector}, raises what it finds in the run's own event stream,
 * and applies a {@link Reaction} to the drifts:
 *
 * <pre>{@code
 * Solstice.run(model).train(stream)
 *     .subscribers(DriftReaction.of(new Adwin(), DriftReaction.rowErrors(), Reaction.forget()))
 *     .block();
 * }</pre>
 *
 * <p>After each TRAIN step, on the training thread, each drift and each entry into a warning zone
 * becomes a {@link TrainingEvent.SignalRaised} named {@code drift} or {@code warning} with the
 * {@link DriftSignal} as its detail ({@link io.solstice.reactive.RunControl#raise}): every
 * subscriber of the run and {@code events()} see them right after the step's {@code StepEnded},
 * before the next step. This subscriber reacts when its own drift events reach it, so the
 * reaction changes the model before the next step too (once per step, however many of the step's
 * values raised a drift). Warnings are raised, not acted on. The detector's state is this
 * subscriber's {@link StatefulCallback} state: give it to the checkpoint callback ({@code
 * saveStateOf}) and a resumed run detects as if never interrupted.
 *
 * <p>ADWIN, Page-Hinkley and DDM are built for per-row 0/1 errors; a per-step rate ({@link
 * #errorRate()}) has too few values for ADWIN's bound to separate a change quickly.
 *
 * @param <E> the experiment type
 * @param <O> the step-output type
 */
public final class DriftReaction<E, O> implements TrainingSubscriber<E, O>, StatefulCallback {
  private final SignalFeed feed;
  private final Function<? super TrainingEvent.StepEnded<E, O>, double[]> values;
  private final Reaction<? super E> reaction;
  // The drifts this subscriber raised whose events have not reached it yet (compared by identity,
  // so a drift raised by another detector of the run is not taken for one of these).
  private final List<DriftSignal> raised = new ArrayList<>();
  private long reactedAtStep = -1;
  private long drifts;

  private DriftReaction(
      DriftDetector detector,
      Function<? super TrainingEvent.StepEnded<E, O>, double[]> values,
      Reaction<? super E> reaction) {
    this.feed = new SignalFeed(detector);
    this.values = Objects.requireNonNull(values, "values");
    this.reaction = Objects.requireNonNull(reaction, "reaction");
  }

  /**
   * A subscriber.
   *
   * @param detector the detector, fed the values of each TRAIN step in order
   * @param values the values of a step to watch
   * @param reaction what to do on a drift
   * @param <E> the experiment type
   * @param <O> the step-output type
   * @return the subscriber
   */
  public static <E, O> DriftReaction<E, O> of(
      DriftDetector detector,
      Function<? super TrainingEvent.StepEnded<E, O>, double[]> values,
      Reaction<? super E> reaction) {
    return new DriftReaction<>(detector, values, reaction);
  }

  /**
   * The per-row errors of a step, for any experiment: the row errors of the run's per-row
   * prequential evaluation ({@link io.solstice.reactive.PrequentialMetrics#rowErrors()}) when the
   * run has one, otherwise those an {@link OnlineLogisticRegression} computed in its step ({@link
   * OnlineLogisticRegression#lastRowErrors()}: its steps are test-then-train row by row).
   *
   * @param <E> the experiment type
   * @param <O> the step-output type
   * @return the values of a step
   * @throws IllegalStateException from the function, for a step that has neither
   */
  public static <E, O> Function<TrainingEvent.StepEnded<E, O>, double[]> rowErrors() {
    return step -> {
      double[] errors = step.prequentialMetrics().map(p -> p.rowErrors()).orElse(null);
      if (errors != null) {
        return errors;
      }
      if (step.experiment() instanceof OnlineLogisticRegression model) {
        return model.lastRowErrors();
      }
      throw new IllegalStateException("step " + step.globalStep() + " has no per-row errors: turn "
          + "the run's prequential evaluation on with an experiment that implements "
          + "RowEvaluation, or watch DriftReaction.errorRate()");
    };
  }

  /**
   * One value per step: the step's error rate, 1 - accuracy, for any classifier.
   *
   * @param <E> the experiment type
   * @return the values of a step
   */
  public static <E> Function<TrainingEvent.StepEnded<E, ClassificationMetrics>, double[]> errorRate() {
    return step -> new double[] {1 - step.outputs().compute().get("accuracy")};
  }

  /**
   * The drifts reacted to so far.
   *
   * @return the count
   */
  public long drifts() {
    return drifts;
  }

  @Override
  public void onEvent(TrainingEvent<E, O> event) {
    if (event instanceof TrainingEvent.StepEnded<E, O> step && step.mode() == Mode.TRAIN) {
      for (double value : values.apply(step)) {
        DriftSignal signal = feed.offer(value);
        if (signal != null) {
          if (signal.isDrift()) {
            raised.add(signal);
          }
          signal.raiseIn(step.run());
        }
      }
    } else if (event instanceof TrainingEvent.SignalRaised<E, O> signalEvent) {
      signalEvent.detail(DriftSignal.class).ifPresent(signal -> react(signalEvent, signal));
    }
  }

  private void react(TrainingEvent.SignalRaised<E, O> event, DriftSignal signal) {
    if (!raised.removeIf(mine -> mine == signal)) {
      return;
    }
    long step = event.position().trainSteps();
    if (step != reactedAtStep) {
      reactedAtStep = step;
      drifts++;
      reaction.onDrift(signal, event.experiment());
    }
  }

  @Override
  public Map<String, Object> saveState() {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("detector", feed.detector().saveState());
    state.put("inWarning", feed.inWarning() ? 1 : 0);
    state.put("drifts", drifts);
    return state;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void restoreState(Map<String, Object> state) {
    if (!(state.get("detector") instanceof Map<?, ?> saved)) {
      throw new IllegalArgumentException("drift reaction state has no detector: " + state);
    }
    feed.detector().restoreState((Map<String, Object>) saved);
    feed.restoreInWarning(state.containsKey("inWarning") && StateValues.getLong(state, "inWarning") != 0);
    drifts = StateValues.getLong(state, "drifts");
  }
}
