package io.solstice.online.drift;

import io.solstice.core.Mode;
import io.solstice.core.checkpoint.StatefulCallback;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.online.linear.OnlineLogisticRegression;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A synchronous subscriber of a run that feeds the values of each training step (usually the
 * per-row errors) to a {@link DriftDetector} and applies a {@link Reaction} when it reports a
 * drift:
 *
 * <pre>{@code
 * Solstice.run(model).train(stream)
 *     .subscribers(DriftReaction.of(new Adwin(), DriftReaction.rowErrors(), Reaction.forget()))
 *     .block();
 * }</pre>
 *
 * <p>It runs on the training thread after each TRAIN step, so the reaction changes the model
 * before the next step (once per step, however many of the step's values raised a drift).
 * Warnings are not acted on. The detector's state is this subscriber's {@link StatefulCallback}
 * state: give it to the checkpoint callback ({@code saveStateOf}) and a resumed run detects as if
 * never interrupted.
 *
 * <p>ADWIN, Page-Hinkley and DDM are built for per-row 0/1 errors; a per-step rate ({@link
 * #errorRate()}) has too few values for ADWIN's bound to separate a change quickly.
 *
 * @param <E> the experiment type
 * @param <O> the step-output type
 */
public final class DriftReaction<E, O> implements TrainingSubscriber<E, O>, StatefulCallback {
  private final DriftDetector detector;
  private final Function<? super TrainingEvent.StepEnded<E, O>, double[]> values;
  private final Reaction<? super E> reaction;
  private long drifts;

  private DriftReaction(
      DriftDetector detector,
      Function<? super TrainingEvent.StepEnded<E, O>, double[]> values,
      Reaction<? super E> reaction) {
    this.detector = Objects.requireNonNull(detector, "detector");
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
   * The per-row errors of an {@link OnlineLogisticRegression}'s step ({@link
   * OnlineLogisticRegression#lastRowErrors()}).
   *
   * @param <E> the experiment type
   * @param <O> the step-output type
   * @return the values of a step
   */
  public static <E extends OnlineLogisticRegression, O>
      Function<TrainingEvent.StepEnded<E, O>, double[]> rowErrors() {
    return step -> step.experiment().lastRowErrors();
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
      DriftSignal signal = null;
      for (double value : values.apply(step)) {
        if (detector.update(value) == DriftState.DRIFT && signal == null) {
          signal = new DriftSignal(detector.name(), DriftState.DRIFT, detector.seen() - 1, detector.estimate());
        }
      }
      if (signal != null) {
        drifts++;
        reaction.onDrift(signal, step.experiment());
      }
    }
  }

  @Override
  public Map<String, Object> saveState() {
    return Map.of("detector", detector.saveState(), "drifts", drifts);
  }

  @Override
  @SuppressWarnings("unchecked")
  public void restoreState(Map<String, Object> state) {
    if (!(state.get("detector") instanceof Map<?, ?> saved)) {
      throw new IllegalArgumentException("drift reaction state has no detector: " + state);
    }
    detector.restoreState((Map<String, Object>) saved);
    drifts = io.solstice.core.checkpoint.StateValues.getLong(state, "drifts");
  }
}
