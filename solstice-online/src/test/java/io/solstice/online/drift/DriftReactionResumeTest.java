package io.solstice.online.drift;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.NamedArrays;
import io.solstice.core.RunPosition;
import io.solstice.core.checkpoint.CheckpointManifest;
import io.solstice.core.checkpoint.CheckpointStore;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.online.linear.LinearOptions;
import io.solstice.online.linear.OnlineLogisticRegression;
import io.solstice.online.streams.DriftingStreams;
import io.solstice.online.streams.SeaGenerator;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A drift reaction resumed from a checkpoint raises the same drift and warning events as one never
 * interrupted, even when the run is cut inside DDM's warning zone (where a detector that forgot it
 * was warning would raise the warning again).
 */
class DriftReactionResumeTest {
  private static final int ROWS_PER_STEP = 100;
  private static final double[] ERRORS = ErrorStreams.bernoulli(
      60_000, new int[] {20_000, 40_000}, new double[] {0.1, 0.3, 0.15}, 4);
  private static final int STEPS = ERRORS.length / ROWS_PER_STEP;

  @Test
  void aResumedReactionRaisesTheSameSignalsAsAnUninterruptedOne(@TempDir Path directory) {
    int cut = stepEndingInsideAWarningZone();
    List<String> uninterrupted = signals(DriftReaction.of(new Ddm(), valuesFrom(0), Reaction.alert(s -> { })), STEPS);

    DriftReaction<OnlineLogisticRegression, ClassificationMetrics> first =
        DriftReaction.of(new Ddm(), valuesFrom(0), Reaction.alert(s -> { }));
    List<String> resumed = new ArrayList<>(signals(first, cut));
    Path file = CheckpointStore.open(directory).write(NamedArrays.empty(),
        CheckpointManifest.at(RunPosition.START).withCallbackStates(Map.of("ddm", first.saveState())));
    DriftReaction<OnlineLogisticRegression, ClassificationMetrics> second =
        DriftReaction.of(new Ddm(), valuesFrom(cut), Reaction.alert(s -> { }));
    second.restoreState(CheckpointStore.load(file).manifest().callbackStates().get("ddm"));
    resumed.addAll(signals(second, STEPS - cut));

    assertThat(uninterrupted).anyMatch(s -> s.startsWith("warning@")).anyMatch(s -> s.startsWith("drift@"));
    assertThat(resumed).isEqualTo(uninterrupted);
    assertThat(second.drifts()).isEqualTo(uninterrupted.stream().filter(s -> s.startsWith("drift@")).count());
  }

  /** The first step whose last value leaves DDM warning and whose next value keeps it warning. */
  private static int stepEndingInsideAWarningZone() {
    Ddm ddm = new Ddm();
    DriftState[] states = new DriftState[ERRORS.length];
    for (int i = 0; i < ERRORS.length; i++) {
      states[i] = ddm.update(ERRORS[i]);
    }
    for (int i = ROWS_PER_STEP - 1; i + 1 < ERRORS.length; i += ROWS_PER_STEP) {
      if (states[i] == DriftState.WARNING && states[i + 1] == DriftState.WARNING) {
        return (i + 1) / ROWS_PER_STEP;
      }
    }
    throw new AssertionError("DDM never stays warning across a step boundary on this stream");
  }

  /** Step {@code s} of a run feeds the values of step {@code first + s} of the error stream. */
  private static Function<TrainingEvent.StepEnded<OnlineLogisticRegression, ClassificationMetrics>, double[]>
      valuesFrom(int first) {
    return step -> {
      int from = (int) (first + step.globalStep()) * ROWS_PER_STEP;
      return Arrays.copyOfRange(ERRORS, from, from + ROWS_PER_STEP);
    };
  }

  /** Runs {@code steps} steps with the reaction and lists the drift and warning events. */
  private static List<String> signals(
      DriftReaction<OnlineLogisticRegression, ClassificationMetrics> reaction, int steps) {
    try (BufferAllocator allocator = new RootAllocator()) {
      OnlineLogisticRegression model = new OnlineLogisticRegression(3, 2, LinearOptions.defaults());
      return Solstice.run(model)
          .train(DriftingStreams.arrow(() -> SeaGenerator.of(1, 1), 1, allocator).take(steps))
          .subscribers(reaction)
          .events()
          .flatMapIterable(event -> DriftSignal.of(event).stream().toList())
          .map(signal -> signal.eventName() + "@" + signal.position())
          .collectList()
          .block();
    }
  }
}
