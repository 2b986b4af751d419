package io.solstice.examples.stream;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.online.drift.Adwin;
import io.solstice.online.drift.Ddm;
import io.solstice.online.drift.DriftDetector;
import io.solstice.online.drift.DriftReaction;
import io.solstice.online.drift.DriftSignal;
import io.solstice.online.drift.PageHinkley;
import io.solstice.online.drift.Reaction;
import io.solstice.online.drift.Resettable;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What {@code --detector} and {@code --on-drift} ask for: a drift detector from solstice-online
 * watching the errors of the model being trained, and what to do when it reports a drift. It
 * builds the run's {@link DriftReaction} and keeps the rows at which drifts were reported, for the
 * summary.
 *
 * @param detector the detector, or null for none
 * @param onDrift what a drift does
 * @param boostFactor the learning-rate factor of {@link OnDrift#BOOST}
 * @param boostUpdates how many updates a boost lasts
 * @param keepEvery with {@link OnDrift#RESET}, keep the model's state every this many train steps,
 *     so that a reset goes back to the last state kept rather than to the start; 0 keeps only the
 *     start
 */
public record DriftWatch(Detector detector, OnDrift onDrift, double boostFactor, long boostUpdates, long keepEvery) {

  /** The detectors {@code --detector} names, each with its published (MOA's) parameters. */
  public enum Detector {
    /** ADWIN (Bifet and Gavaldà 2007), delta 0.002, reporting rises of the error. */
    ADWIN("adwin"),
    /** Page-Hinkley, as MOA's PageHinkleyDM (lambda 50, delta 0.005, alpha 0.9999). */
    PAGE_HINKLEY("page-hinkley"),
    /** DDM (Gama et al. 2004), drift at 3 standard deviations. */
    DDM("ddm");

    private final String option;

    Detector(String option) {
      this.option = option;
    }

    /**
     * The name on the command line.
     *
     * @return it
     */
    public String option() {
      return option;
    }

    DriftDetector create() {
      return switch (this) {
        case ADWIN -> new Adwin();
        case PAGE_HINKLEY -> new PageHinkley();
        case DDM -> new Ddm();
      };
    }
  }

  /** What a drift does ({@code --on-drift}). */
  public enum OnDrift {
    /** Only report it. */
    ALERT,
    /** Reset the model to the state kept last: at the start of the run, or every {@code keepEvery} steps. */
    RESET,
    /** Raise the learning rate for a number of updates (models that adapt in place only). */
    BOOST
  }

  /** No detector. */
  public static final DriftWatch NONE = new DriftWatch(null, OnDrift.ALERT, 10, 2_000, 0);

  /**
   * Whether a detector watches the run.
   *
   * @return true with a detector
   */
  public boolean active() {
    return detector != null;
  }

  /**
   * The reaction in words, for the summary.
   *
   * @return it
   */
  public String describeReaction() {
    return switch (onDrift) {
      case ALERT -> "alert only";
      case RESET -> keepEvery > 0
          ? "reset to the model kept every " + keepEvery + " steps"
          : "reset to the model at the start";
      case BOOST -> String.format(Locale.ROOT, "learning rate x%s for %d updates", boostFactor, boostUpdates);
    };
  }

  /**
   * The subscriber that feeds the learner's errors to a new detector and reacts to its drifts,
   * recording each drift's row in {@code log}.
   *
   * @param learner the model trained
   * @param rowsTrained the rows trained so far, through the step that just ended
   * @param log receives the drifts
   * @param <E> the experiment type
   * @param <B> the batch type
   * @return the subscriber
   */
  <E extends Experiment<E, B, ClassificationMetrics> & Checkpointable<E>, B>
      DriftReaction<Resettable<E, B, ClassificationMetrics>, ClassificationMetrics> subscriber(
          StreamLearner<E, B> learner, LongSupplier rowsTrained, Log log) {
    Reaction<Resettable<E, B, ClassificationMetrics>> alert = Reaction.alert(signal ->
        // A per-row detector's position is the row; a per-step one's is the step, whose last row is taken.
        log.add(new Drift(learner.perRow() ? signal.position() : rowsTrained.getAsLong() - 1, signal)));
    Reaction<Resettable<E, B, ClassificationMetrics>> reaction = switch (onDrift) {
      case ALERT -> alert;
      case RESET -> alert.andThen(Reaction.reset());
      case BOOST -> alert.andThen(Reaction.boostLearningRate(boostFactor, boostUpdates));
    };
    return DriftReaction.of(detector.create(), learner.errors(), reaction);
  }

  /**
   * The subscriber that keeps the model's state every {@link #keepEvery} train steps, or null
   * when nothing is kept after the start. Registered before {@link #subscriber}, it keeps the
   * state a step reached before that step's drift can reset it.
   *
   * @param <E> the experiment type
   * @param <B> the batch type
   * @return the subscriber, or null
   */
  <E extends Experiment<E, B, ClassificationMetrics> & Checkpointable<E>, B>
      TrainingSubscriber<Resettable<E, B, ClassificationMetrics>, ClassificationMetrics> keeper() {
    if (onDrift != OnDrift.RESET || keepEvery <= 0) {
      return null;
    }
    return event -> {
      if (event instanceof TrainingEvent.StepEnded<Resettable<E, B, ClassificationMetrics>, ClassificationMetrics> step
          && step.mode() == Mode.TRAIN && (step.globalStep() + 1) % keepEvery == 0) {
        step.experiment().keep();
      }
    };
  }

  /**
   * A drift reported.
   *
   * @param row the row (from 0) whose error raised it
   * @param signal the detector's signal
   */
  public record Drift(long row, DriftSignal signal) {}

  /** The drifts reported during a run, in order (written on the training thread). */
  public static final class Log {
    private final List<Drift> drifts = new ArrayList<>();
    private final Consumer<Drift> onEach;

    /**
     * A log.
     *
     * @param onEach also told of each drift as it is reported, on the training thread
     */
    public Log(Consumer<Drift> onEach) {
      this.onEach = onEach;
    }

    private void add(Drift drift) {
      drifts.add(drift);
      onEach.accept(drift);
    }

    /**
     * The drifts so far.
     *
     * @return a copy
     */
    public List<Drift> drifts() {
      return List.copyOf(drifts);
    }
  }
}
