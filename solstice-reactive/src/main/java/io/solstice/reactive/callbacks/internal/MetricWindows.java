package io.solstice.reactive.callbacks.internal;

import io.solstice.core.Mode;
import io.solstice.reactive.callbacks.LoggedMetrics;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Cuts the step outputs of each mode into windows of exactly N steps and/or whole epochs, and
 * hands the computed metrics of each to a consumer. Windows are aligned to step numbers: the
 * window that ends at step s (0-based) ends when {@code (s + 1) % N == 0}, so it covers steps
 * {@code s-N+1 .. s}, exactly N of them, and windows cross epoch boundaries. (Only the first
 * window after a resume mid-window covers fewer steps.)
 */
public final class MetricWindows {

  private final long everySteps;
  private final boolean atEpochEnd;
  private final Consumer<LoggedMetrics> sink;
  private final Map<Mode, MetricsAccumulator> windows = new EnumMap<>(Mode.class);
  private final Map<Mode, MetricsAccumulator> epochs = new EnumMap<>(Mode.class);
  private final Map<Mode, Integer> epochOf = new EnumMap<>(Mode.class);
  private final Map<Mode, Long> stepsDone = new EnumMap<>(Mode.class);
  private long trainSteps;

  /**
   * Creates the windows.
   *
   * @param owner the callback's name for error messages
   * @param everySteps window length; 0 for no step windows
   * @param atEpochEnd whether to emit a summary of each epoch
   * @param sink receives each window and epoch summary
   */
  public MetricWindows(String owner, long everySteps, boolean atEpochEnd, Consumer<LoggedMetrics> sink) {
    if (everySteps < 0) {
      throw new IllegalArgumentException("everySteps must be >= 0, was " + everySteps);
    }
    if (everySteps == 0 && !atEpochEnd) {
      throw new IllegalArgumentException(owner + " logs nothing: give everySteps > 0 or log at epoch end");
    }
    this.everySteps = everySteps;
    this.atEpochEnd = atEpochEnd;
    this.sink = sink;
    for (Mode mode : Mode.values()) {
      windows.put(mode, new MetricsAccumulator(owner));
      epochs.put(mode, new MetricsAccumulator(owner));
      epochOf.put(mode, 0);
      stepsDone.put(mode, 0L);
    }
  }

  /**
   * Records an epoch start.
   *
   * @param epoch the epoch
   * @param mode its mode
   */
  public void epochStarted(int epoch, Mode mode) {
    epochOf.put(mode, epoch);
    epochs.get(mode).reset();
  }

  /**
   * Adds a step's outputs; emits a window when it completes one.
   *
   * @param outputs the outputs (a Metrics)
   * @param globalStep the step's number
   * @param mode its mode
   */
  public void stepEnded(Object outputs, long globalStep, Mode mode) {
    stepsDone.put(mode, globalStep + 1);
    if (mode == Mode.TRAIN) {
      trainSteps = globalStep + 1;
    }
    if (atEpochEnd) {
      epochs.get(mode).add(outputs);
    }
    if (everySteps > 0) {
      MetricsAccumulator window = windows.get(mode);
      window.add(outputs);
      if ((globalStep + 1) % everySteps == 0) {
        emit(mode, LoggedMetrics.Kind.WINDOW, window);
      }
    }
  }

  /**
   * Records an epoch end; emits the epoch summary when asked to.
   *
   * @param epoch the epoch
   * @param mode its mode
   */
  public void epochEnded(int epoch, Mode mode) {
    epochOf.put(mode, epoch);
    MetricsAccumulator summary = epochs.get(mode);
    if (atEpochEnd && !summary.isEmpty()) {
      emit(mode, LoggedMetrics.Kind.EPOCH, summary);
    }
  }

  private void emit(Mode mode, LoggedMetrics.Kind kind, MetricsAccumulator accumulator) {
    LoggedMetrics logged =
        new LoggedMetrics(mode, epochOf.get(mode), kind, stepsDone.get(mode), trainSteps,
            accumulator.steps(), new LinkedHashMap<>(accumulator.compute()));
    accumulator.reset();
    sink.accept(logged);
  }
}
