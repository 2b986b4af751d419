package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.solstice.core.Mode;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.OneFeatureRegression;
import io.solstice.reactive.fixtures.Sources;
import io.solstice.reactive.fixtures.TrackedTensorBatch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import reactor.core.publisher.Flux;

/** Per-step time split from the events, percentiles, Flight Recorder events, ND4J op profiling. */
class ProfilingCallbackTest {

  @TempDir Path dir;

  private static final long MS = 1_000_000;

  private final List<StepTimings> reports = new CopyOnWriteArrayList<>();

  @Test
  void reportsNearestRankPercentilesOfTheStepTimingsAtEpochEnd() throws Exception {
    ProfilingCallback profiler = ProfilingCallback.builder().report(reports::add).build();
    // Hand-made events: exact timings. Data wait 2, 4, ..., 200 ms; step 1..100 ms; subscribers
    // 3, 6, ..., 300 ms.
    HandMadeEvents run = new HandMadeEvents(profiler).runStarted().epochStarted(0, Mode.TRAIN);
    for (int i = 1; i <= 100; i++) {
      run.stepStarted(0, i - 1, Mode.TRAIN)
          .stepEnded(0, i - 1, Mode.TRAIN, MeanMetric.of("loss", 1),
              new TrainingEvent.Timings(2 * i * MS, i * MS, 3 * i * MS));
    }
    run.epochEnded(0, Mode.TRAIN, 100).runEnded();

    assertThat(reports).hasSize(1);
    StepTimings timings = reports.get(0);
    assertThat(timings.mode()).isEqualTo(Mode.TRAIN);
    assertThat(timings.steps()).isEqualTo(100);
    assertThat(timings.step().p50()).isEqualTo(Duration.ofMillis(50));
    assertThat(timings.step().p90()).isEqualTo(Duration.ofMillis(90));
    assertThat(timings.step().p99()).isEqualTo(Duration.ofMillis(99));
    assertThat(timings.step().max()).isEqualTo(Duration.ofMillis(100));
    assertThat(timings.step().mean()).isEqualTo(Duration.ofNanos(50_500_000));
    assertThat(timings.dataWait().p50()).isEqualTo(Duration.ofMillis(100));
    assertThat(timings.dataWait().p99()).isEqualTo(Duration.ofMillis(198));
    assertThat(timings.subscribers().p50()).isEqualTo(Duration.ofMillis(150));
    assertThat(profiler.lastReport(Mode.TRAIN)).contains(timings);
    assertThat(profiler.lastReport(Mode.VAL)).isEmpty();
  }

  @Test
  void eachModeKeepsItsOwnEpochWhenAValidationInterruptsATrainEpoch() throws Exception {
    ProfilingCallback profiler = ProfilingCallback.builder().report(reports::add).build();
    TrainingEvent.Timings train = new TrainingEvent.Timings(0, 10 * MS, 0);
    TrainingEvent.Timings val = new TrainingEvent.Timings(0, 2 * MS, 0);

    new HandMadeEvents(profiler).runStarted().epochStarted(0, Mode.TRAIN)
        .stepEnded(0, 0, Mode.TRAIN, MeanMetric.of("loss", 1), train)
        .epochStarted(0, Mode.VAL)
        .stepEnded(0, 0, Mode.VAL, MeanMetric.of("loss", 1), val)
        .epochEnded(0, Mode.VAL, 1)
        .stepEnded(0, 1, Mode.TRAIN, MeanMetric.of("loss", 1), train)
        .epochEnded(0, Mode.TRAIN, 2)
        .epochStarted(1, Mode.TRAIN)
        .epochEnded(1, Mode.TRAIN, 0)
        .runEnded();

    assertThat(reports).extracting(StepTimings::mode, StepTimings::epoch, StepTimings::steps)
        .containsExactly(
            tuple(Mode.VAL, 0, 1),
            tuple(Mode.TRAIN, 0, 2),
            tuple(Mode.TRAIN, 1, 0));
    assertThat(reports.get(0).step().max()).isEqualTo(Duration.ofMillis(2));
    assertThat(reports.get(1).step().max()).isEqualTo(Duration.ofMillis(10));
    assertThat(reports.get(2).step().max()).as("an epoch without steps").isEqualTo(Duration.ZERO);
  }

  @Test
  void theEnginesSplitSeparatesSubscriberTimeFromTheStepAndTheDataWait() {
    ProfilingCallback profiler = ProfilingCallback.builder().report(reports::add).build();
    int steps = 9;
    // What the test sees itself on the training thread (System.nanoTime()): how long each step's
    // sleep took, and when the slow subscriber entered and left each step's StepStarted and
    // StepEnded. The engine's split must fit between these instants whatever the machine's speed.
    long[] sleptInStep = new long[steps];
    long[] startedEntered = new long[steps];
    long[] startedLeft = new long[steps];
    long[] endedEntered = new long[steps];
    long[] endedLeft = new long[steps];
    long[] epochStartedLeft = new long[1];
    TrainingEvent.Timings[] measured = new TrainingEvent.Timings[steps];
    // Registered after the profiler: the profiler measures nothing itself, so its place does not
    // matter (the seed's callback had to come first and could not time the others).
    TrainingSubscriber<Object, Object> slow = event -> {
      long entered = System.nanoTime();
      if (event instanceof TrainingEvent.StepStarted<Object, Object> start) {
        Thread.sleep(15);
        startedEntered[(int) start.globalStep()] = entered;
        startedLeft[(int) start.globalStep()] = System.nanoTime();
      } else if (event instanceof TrainingEvent.StepEnded<Object, Object> end) {
        measured[(int) end.globalStep()] = end.timings();
        Thread.sleep(15);
        endedEntered[(int) end.globalStep()] = entered;
        endedLeft[(int) end.globalStep()] = System.nanoTime();
      } else if (event instanceof TrainingEvent.EpochStarted<Object, Object>) {
        epochStartedLeft[0] = System.nanoTime();
      }
    };
    CountingExperiment sleeping = CountingExperiment.withAction(n -> {
      long before = System.nanoTime();
      CountingExperiment.sleep(4);
      sleptInStep[(int) n] = System.nanoTime() - before;
    });

    Solstice.run(sleeping).train(Sources.counting(new Ledger(), steps))
        .subscribers(profiler, slow).block();

    StepTimings timings = profiler.lastReport(Mode.TRAIN).orElseThrow();
    assertThat(timings.steps()).isEqualTo(steps);
    long[] stepWindows = new long[steps];
    long[] dataWindows = new long[steps];
    for (int k = 0; k < steps; k++) {
      TrainingEvent.Timings t = measured[k];
      // The step is timed after this step's StepStarted subscribers and before its StepEnded
      // ones: it holds the step's own sleep and fits in the window between the two.
      stepWindows[k] = endedEntered[k] - startedLeft[k];
      assertThat(t.step()).as("step %d: time of the step >= its own sleep", k)
          .isGreaterThanOrEqualTo(sleptInStep[k]);
      assertThat(t.step()).as("step %d: the subscribers' time is not in the step", k)
          .isLessThanOrEqualTo(stepWindows[k]);
      // The data wait runs from after the previous StepEnded's subscribers (or the epoch start)
      // until the batch is there, before this StepStarted's subscribers.
      dataWindows[k] = startedEntered[k] - (k == 0 ? epochStartedLeft[0] : endedLeft[k - 1]);
      assertThat(t.dataWait()).as("step %d: the subscribers' time is not in the data wait", k)
          .isLessThanOrEqualTo(dataWindows[k]);
      // The subscribers' time holds the slow subscriber's calls for the previous StepEnded and
      // for this StepStarted.
      long slept = startedLeft[k] - startedEntered[k] + (k == 0 ? 0 : endedLeft[k - 1] - endedEntered[k - 1]);
      assertThat(t.subscribers()).as("step %d: the subscribers' time holds their calls", k)
          .isGreaterThanOrEqualTo(slept);
    }
    // The report's medians keep those bounds (the median of values each below its bound is below
    // the median of the bounds). From the second step on, the subscribers of the previous
    // StepEnded and of this StepStarted: two sleeps of 15 ms.
    assertThat(timings.subscribers().p50()).isGreaterThanOrEqualTo(Duration.ofMillis(30));
    assertThat(timings.step().p50()).isGreaterThanOrEqualTo(Duration.ofMillis(4))
        .as("the subscribers' 30 ms are not in the step")
        .isLessThanOrEqualTo(StepTimings.Percentiles.of(stepWindows, steps).p50());
    assertThat(timings.dataWait().p50()).as("the subscribers' 30 ms are not in the data wait")
        .isLessThanOrEqualTo(StepTimings.Percentiles.of(dataWindows, steps).p50());
  }

  @Test
  void eachStepIsAFlightRecorderEventWithModeNumberAndDurations() throws Exception {
    ProfilingCallback profiler = ProfilingCallback.builder().report(reports::add).build();
    Path file = dir.resolve("run.jfr");
    try (Recording recording = new Recording()) {
      recording.enable("io.solstice.Step").withThreshold(Duration.ZERO);
      recording.start();
      Solstice.run(CountingExperiment.fresh())
          .train(Sources.counting(new Ledger(), 5)).validate(Sources.counting(new Ledger(), 2))
          .subscribers(profiler).block();
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
      assertThat(e.getDuration("subscribersTime").isNegative()).isFalse();
      assertThat(e.getDuration().isNegative()).isFalse();
    });
  }

  @Test
  void profilesNd4jOpsOnlyDuringTheChosenTrainSteps() {
    ProfilingCallback profiler =
        ProfilingCallback.builder().profileOps(1L, 3L).report(reports::add).build();
    AtomicLong created = new AtomicLong();
    AtomicLong closed = new AtomicLong();
    Flux<TensorBatch> four = TrackedTensorBatch.line(1, 8, created, closed).take(4);

    Solstice.run(new OneFeatureRegression(0.1)).train(four).subscribers(profiler).block();

    assertThat(profiler.profiledOps()).extracting(ProfilingCallback.OpProfile::trainStep)
        .containsExactly(1L, 3L);
    assertThat(profiler.profiledOps()).allSatisfy(p -> assertThat(p.operations()).isPositive());
    assertThat(opsCountedByAnOpNow()).as("the op profiler is off after the run").isZero();
    assertThat(closed.get()).isEqualTo(created.get());
  }

  @Test
  void aProfiledStepThatNeverEndsIsSwitchedOffWhenTheRunEnds() {
    ProfilingCallback profiler = ProfilingCallback.builder().profileOps(1L).report(reports::add).build();
    TrainingSubscriber<Object, Object> stopAtStepOne = event -> {
      if (event instanceof TrainingEvent.StepStarted<Object, Object> step && step.globalStep() == 1) {
        event.run().stop("stop before step 1 runs");
      }
    };
    AtomicLong created = new AtomicLong();
    AtomicLong closed = new AtomicLong();

    Solstice.run(new OneFeatureRegression(0.1)).train(TrackedTensorBatch.line(2, 8, created, closed))
        .subscribers(profiler, stopAtStepOne).block();

    assertThat(profiler.profiledOps()).as("step 1 never ran").isEmpty();
    assertThat(opsCountedByAnOpNow()).as("the op profiler is off after the run").isZero();
    assertThat(closed.get()).isEqualTo(created.get());
  }

  @Test
  void aRunThatProfilesOpsWhileAnotherDoesIsRefusedAtItsStartNamingTheHolder() {
    ProfilingCallback profiler = ProfilingCallback.builder().profileOps(0L).report(reports::add).build();
    AtomicLong created = new AtomicLong();
    AtomicLong closed = new AtomicLong();
    try (io.solstice.core.nd4j.OpProfilerLease other =
        io.solstice.core.nd4j.OpProfilerLease.acquire("another run")) {
      assertThatThrownBy(() -> Solstice.run(new OneFeatureRegression(0.1))
              .train(TrackedTensorBatch.line(3, 8, created, closed).take(2))
              .subscribers(profiler).block())
          .isInstanceOf(io.solstice.reactive.TrainingException.class)
          .rootCause().isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("another run is using it");
      assertThat(profiler.profiledOps()).isEmpty();
    }
    Solstice.run(new OneFeatureRegression(0.1)).train(TrackedTensorBatch.line(3, 8, created, closed).take(2))
        .subscribers(profiler).block();
    assertThat(profiler.profiledOps()).hasSize(1);
    assertThat(io.solstice.core.nd4j.OpProfilerLease.currentHolder()).isEmpty();
    assertThat(closed.get()).isEqualTo(created.get());
  }

  @Test
  void aReportThatThrowsFailsTheRunAndStillLetsGoOfTheOpProfiler() {
    ProfilingCallback failing = ProfilingCallback.builder().profileOps(0L).report(timings -> {
      throw new IllegalStateException("the report broke");
    }).build();
    AtomicLong created = new AtomicLong();
    AtomicLong closed = new AtomicLong();

    assertThatThrownBy(() -> Solstice.run(new OneFeatureRegression(0.1))
            .train(TrackedTensorBatch.line(3, 8, created, closed).take(2))
            .subscribers(failing).block())
        .isInstanceOf(io.solstice.reactive.TrainingException.class)
        .rootCause().hasMessage("the report broke");

    assertThat(io.solstice.core.nd4j.OpProfilerLease.currentHolder()).isEmpty();
    assertThat(opsCountedByAnOpNow()).as("the op profiler is off after the run").isZero();
    ProfilingCallback next = ProfilingCallback.builder().profileOps(0L).report(reports::add).build();
    Solstice.run(new OneFeatureRegression(0.1)).train(TrackedTensorBatch.line(3, 8, created, closed).take(2))
        .subscribers(next).block();
    assertThat(next.profiledOps()).hasSize(1);
    assertThat(closed.get()).isEqualTo(created.get());
  }

  /** How many ops ND4J's profiler counts for one op run now (0 when profiling is off). */
  private static long opsCountedByAnOpNow() {
    long before = OpProfiler.getInstance().getInvocationsCount();
    try (INDArray a = Nd4j.ones(4)) {
      a.addi(1);
    }
    return OpProfiler.getInstance().getInvocationsCount() - before;
  }
}
