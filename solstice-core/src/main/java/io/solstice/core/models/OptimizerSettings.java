package io.solstice.core.models;

import io.solstice.core.nd4j.GradientClipping;
import io.solstice.core.nd4j.Optimizer;
import io.solstice.core.nd4j.Parameters;
import java.util.Objects;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The optimizer half of a model builder: updater, clipping, schedule and weight decay, checked
 * as they are set, and the {@link Optimizer} they describe. The model builders keep their own
 * setters (and Javadoc) and hand the values here.
 */
final class OptimizerSettings {

  private IUpdater updater;
  private GradientClipping clipping = GradientClipping.none();
  private ISchedule schedule;
  private double weightDecay;

  /** Settings starting from a copy of this updater (null: none yet). */
  OptimizerSettings(IUpdater updater) {
    this.updater = updater == null ? null : updater.clone();
  }

  /**
   * Keeps a copy: an ND4J updater configuration is mutable, and a caller who changes or reuses
   * theirs must not change a model already built or being built.
   */
  void updater(IUpdater updater) {
    this.updater = Objects.requireNonNull(updater, "updater").clone();
  }

  /** The updater, or null when none was given. */
  IUpdater updater() {
    return updater;
  }

  void clipping(GradientClipping clipping) {
    this.clipping = Objects.requireNonNull(clipping, "clipping");
  }

  void schedule(ISchedule schedule) {
    this.schedule = Objects.requireNonNull(schedule, "schedule");
  }

  void weightDecay(double coefficient) {
    if (!(coefficient >= 0)) {
      throw new IllegalArgumentException("weightDecay must be >= 0, was " + coefficient);
    }
    this.weightDecay = coefficient;
  }

  /** The optimizer for these parameters; the updater must have been given. */
  Optimizer build(Parameters parameters) {
    Optimizer.Builder optimizer = Optimizer.builder(updater).clipping(clipping);
    if (schedule != null) {
      optimizer.schedule(schedule);
    }
    if (weightDecay > 0) {
      optimizer.weightDecay(weightDecay);
    }
    return optimizer.build(parameters);
  }
}
