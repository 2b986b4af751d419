package io.solstice.examples.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.arrow.ArrowBatch;
import io.solstice.core.NamedArrays;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.online.drift.Resettable;
import io.solstice.online.linear.LinearOptions;
import io.solstice.online.linear.OnlineLogisticRegression;
import io.solstice.online.streams.DriftingStreams;
import io.solstice.online.streams.SeaGenerator;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

/**
 * {@code stream --on-drift reset --keep-every N}: the state kept is the one the model reached at
 * the end of every N-th train step, so a reset after the run goes back to the last of them.
 */
class DriftWatchKeeperTest {

  @Test
  void keepsTheStateOfEveryNthStepForAResetToGoBackTo() {
    DriftWatch watch = new DriftWatch(DriftWatch.Detector.DDM, DriftWatch.OnDrift.RESET, 10, 100, 3);
    try (BufferAllocator allocator = new RootAllocator()) {
      Resettable<OnlineLogisticRegression, ArrowBatch, ClassificationMetrics> model =
          Resettable.of(new OnlineLogisticRegression(3, 2, LinearOptions.defaults()));
      List<NamedArrays> afterEachStep = new ArrayList<>();

      Solstice.run(model)
          .train(DriftingStreams.arrow(() -> SeaGenerator.of(1, 2), 200, allocator).take(7))
          .subscribers(watch.<OnlineLogisticRegression, ArrowBatch>keeper())
          .subscribers(event -> {
            if (event instanceof TrainingEvent.StepEnded<?, ?> step) {
              afterEachStep.add(model.current().state().copy());
            }
          })
          .block();
      model.reset();

      assertThat(afterEachStep).hasSize(7);
      // Steps 3 and 6 (1-based) were kept; the reset goes back to step 6's state, not the start.
      assertThat(model.current().state()).isEqualTo(afterEachStep.get(5));
      assertThat(model.current().state()).isNotEqualTo(afterEachStep.get(6));
    }
  }

  @Test
  void keepsNothingUnlessTheReactionIsAReset() {
    assertThat(new DriftWatch(DriftWatch.Detector.DDM, DriftWatch.OnDrift.ALERT, 10, 100, 3)
        .<OnlineLogisticRegression, ArrowBatch>keeper()).isNull();
    assertThat(new DriftWatch(DriftWatch.Detector.DDM, DriftWatch.OnDrift.RESET, 10, 100, 0)
        .<OnlineLogisticRegression, ArrowBatch>keeper()).isNull();
    assertThat(new DriftWatch(DriftWatch.Detector.DDM, DriftWatch.OnDrift.RESET, 10, 100, 4).describeReaction())
        .isEqualTo("reset to the model kept every 4 steps");
  }
}
