package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Callback;
import io.solstice.core.Mode;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.core.testing.CountingExperiment;
import io.solstice.core.testing.FakeLoop;
import io.solstice.core.testing.LinearRegression;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-step time split, percentiles, Flight Recorder events and ND4J op profiling. */
class ProfilingCallbackTest {

  @TempDir Path dir;

  private static final long MS = 1_000_000;

  @Test
  void reportsNearestRankPercentilesOfDataWaitAndStepTimeAtEpochEnd() {
    AtomicLong now = new AtomicLong();
    List<StepTimings> reports = new ArrayList<>();
    ProfilingCallback<Object, Object, Object> profiler =
        ProfilingCallback.builder().clock(now::get).report(reports::add).build();

    profiler.onEpochStart(null, 0, Mode.TRAIN);
    for (int i = 1; i <= 100; i++) {
      now.addAndGet(2 * i * MS); // waiting for the batch: 2, 4, ..., 200 ms
      profiler.onStepStart(null, i - 1, Mode.TRAIN, null);
      now.addAndGet(i * MS); // the step: 1, 2, ..., 100 ms
      profiler.onStepEnd(null, null, i - 1, Mode.TRAIN, null);
    }
    profiler.onEpochEnd(null, 0, Mode.TRAIN);

    assertThat(reports).hasSize(1);
    StepTimings timings = reports.get(0);
    assertThat(timings.steps()).isEqualTo(100);
    assertThat(timings.step().p50()).isEqualTo(Duration.ofMillis(50));
    assertThat(timings.step().p90()).isEqualTo(Duration.ofMillis(90));
    assertThat(timings.step().p99()).isEqualTo(Duration.ofMillis(99));
    assertThat(timings.step().max()).isEqualTo(Duration.ofMillis(100));
    assertThat(timings.dataWait().p50()).isEqualTo(Duration.ofMillis(100));
    assertThat(timings.dataWait().p99()).isEqualTo(Duration.ofMillis(198));
    assertThat(timings.callbacks()).as("not measurable standalone").isNull();
    assertThat(profiler.lastReport(Mode.TRAIN)).contains(timings);
  }

  @Test
  void wrappingOtherCallbacksSeparatesTheirTimeFromTheStepAndTheDataWait() {
    AtomicLong now = new AtomicLong();
    ProfilingCallback<Object, Object, Object> profiler =
        ProfilingCallback.builder().clock(now::get).report(t -> { }).build();
    Callback<Object, Object, Object> slowCallback = new Callback<>() {
      @Override
      public void onStepStart(Object e, long step, Mode mode, Object batch) {
        now.addAndGet(2 * MS);
      }

      @Override
      public void onStepEnd(Object outs, Object e, long step, Mode mode, Object batch) {
        now.addAndGet(3 * MS);
      }
    };
    Callback<Object, Object, Object> wrapped = profiler.around(List.of(slowCallback));

    wrapped.onEpochStart(null, 0, Mode.VAL);
    for (int i = 0; i < 10; i++) {
      now.addAndGet(7 * MS);
      wrapped.onStepStart(null, i, Mode.VAL, null);
      now.addAndGet(11 * MS);
      wrapped.onStepEnd(null, null, i, Mode.VAL, null);
    }
    wrapped.onEpochEnd(null, 0, Mode.VAL);

    StepTimings timings = profiler.lastReport(Mode.VAL).orElseThrow();
    assertThat(timings.dataWait().p50()).isEqualTo(Duration.ofMillis(7));
    assertThat(timings.step().p50()).isEqualTo(Duration.ofMillis(11));
    assertThat(timings.callbacks().p50()).isEqualTo(Duration.ofMillis(5));
  }

  @Test
  void eachStepIsAFlightRecorderEventWithModeNumberAndDurations() throws Exception {
    ProfilingCallback<CountingExperiment, Integer, MeanMetric> profiler =
        ProfilingCallback.<CountingExperiment, Integer, MeanMetric>builder().report(t -> { }).build();
    Path file = dir.resolve("run.jfr");
    try (Recording recording = new Recording()) {
      recording.enable("io.solstice.Step").withThreshold(Duration.ZERO);
      recording.start();
      new FakeLoop<>(CountingExperiment.batches(5), CountingExperiment.batches(2), List.of(profiler))
          .run(new CountingExperiment(), 1);
      recording.stop();
      recording.dump(file);
    }

    List<RecordedEvent> steps = RecordingFile.readAllEvents(file).stream()
        .filter(e -> e.getEventType().getName().equals("io.solstice.Step"))
        .toList();

    assertThat(steps).extracting(e -> e.getString("mode") + e.getLong("step"))
        .containsExactly("train0", "train1", "train2", "train3", "train4", "val0", "val1");
    assertThat(steps).allSatisfy(e -> {
      assertThat(e.getInt("epoch")).isZero();
      assertThat(e.getDuration("stepTime")).isPositive();
      assertThat(e.getDuration("dataWait").isNegative()).isFalse();
      assertThat(e.getDuration().isNegative()).isFalse();
    });
  }

  @Test
  void profilesNd4jOpsOnlyDuringTheChosenTrainSteps() {
    ProfilingCallback<LinearRegression, LinearRegression.Batch, MeanMetric> profiler =
        ProfilingCallback.<LinearRegression, LinearRegression.Batch, MeanMetric>builder()
            .profileOps(1L, 3L).report(t -> { }).build();

    new FakeLoop<>(LinearRegression.batches(4, 8, 1), List.<LinearRegression.Batch>of(), List.of(profiler))
        .run(LinearRegression.create(1), 1);

    assertThat(profiler.profiledOps()).extracting(ProfilingCallback.OpProfile::trainStep).containsExactly(1L, 3L);
    assertThat(profiler.profiledOps()).allSatisfy(p -> assertThat(p.operations()).isPositive());
  }
}
