package io.solstice.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.solstice.core.Mode;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.AsyncSubscriber;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.fixtures.StopAt;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.publisher.Flux;

/** The meters of a run, each checked against what the run's own events say. */
class RunMetersTest {

  private static final DigitsDataset.Split DIGITS = DigitsDataset.bundled().split(0.2, 7);
  private static final int BATCH = 64;
  private static final int PREFETCH = 2;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void everyMeterAgreesWithTheRun() throws Exception {
    TickingClock clock = new TickingClock();
    CountDownLatch runEnded = new CountDownLatch(1);
    // A subscriber stuck on its first event until the run ends: every later event but the one
    // it keeps is dropped.
    AsyncSubscriber<Object, Object> stuck = AsyncSubscriber.dropOldest(1,
        events -> events.doOnNext(event -> waitFor(runEnded)));
    RunMeters meters = RunMeters.builder(registry, "digits")
        .clock(clock)
        .asyncSubscriber("stuck", stuck)
        .build();
    RunRecord seen = new RunRecord();

    meters.bind(Solstice.run(model())
            .train(Flux.defer(() -> Flux.fromIterable(DIGITS.train().batches(BATCH))))
            .validate(Flux.defer(() -> Flux.fromIterable(DIGITS.test().batches(BATCH))))
            .epochs(2)
            .prefetch(PREFETCH))
        .subscribers(seen, event -> {
          if (event instanceof TrainingEvent.RunEnded<?, ?>) {
            runEnded.countDown();
          }
        })
        .asyncSubscribers(stuck)
        .block();

    int trainBatches = batchesOf(DIGITS.train().size());
    int valBatches = batchesOf(DIGITS.test().size());
    assertThat(counter("solstice.steps", "train")).isEqualTo(2.0 * trainBatches);
    assertThat(counter("solstice.steps", "val")).isEqualTo(2.0 * valBatches);
    assertThat(counter("solstice.samples", "train")).isEqualTo(2.0 * DIGITS.train().size());
    assertThat(counter("solstice.samples", "val")).isEqualTo(2.0 * DIGITS.test().size());
    assertThat(counter("solstice.steps", "test")).isZero();

    for (Mode mode : List.of(Mode.TRAIN, Mode.VAL)) {
      String tag = mode.name().toLowerCase();
      long[] sums = seen.timingSums.get(mode);
      assertTimer("solstice.step.time", tag, seen.steps.get(mode).get(), sums[0]);
      assertTimer("solstice.data.wait", tag, seen.steps.get(mode).get(), sums[1]);
      assertTimer("solstice.subscriber.time", tag, seen.steps.get(mode).get(), sums[2]);
    }

    // The clock ticks one second per reading: once at RunStarted, once per step.
    long readings = 1 + 2L * (trainBatches + valBatches);
    assertThat(registry.get("solstice.last.step.timestamp").tag("run", "digits").timeGauge()
        .value(TimeUnit.SECONDS)).isEqualTo((double) readings);

    assertThat(seen.inFlightSeen).as("read-ahead seen during steps").isNotEmpty();
    assertThat(seen.inFlightSeen).allSatisfy(n -> assertThat(n).isBetween(0.0, PREFETCH + 1.0));
    assertThat(seen.filledReadAhead).as("the held first step saw the source fill the prefetch")
        .isGreaterThanOrEqualTo(PREFETCH);
    // Nothing is taken while the first step is held, so the read-ahead only grew between reads.
    assertThat(seen.occupancyAtFill)
        .isBetween(seen.filledReadAhead / PREFETCH, (PREFETCH + 1.0) / PREFETCH);
    assertThat(seen.activeDuringSteps).containsOnly(1.0);
    assertThat(gauge("solstice.batches.in.flight")).as("after the run").isZero();
    assertThat(gauge("solstice.run.active")).isZero();

    assertThat(metric("val", "epoch", "accuracy")).isEqualTo(seen.lastValValues.get("accuracy"));
    assertThat(metric("train", "epoch", "loss")).isEqualTo(seen.lastTrainEpochValues.get("loss"));
    assertThat(metric("train", "step", "loss")).isEqualTo(seen.lastTrainStep.compute().get("loss"));
    assertThat(metric("val", "step", "accuracy"))
        .isEqualTo(seen.lastValStep.compute().get("accuracy"));

    FunctionCounter dropped = registry.get("solstice.events.dropped")
        .tags("run", "digits", "subscriber", "stuck").functionCounter();
    assertThat(stuck.dropped()).isPositive();
    assertThat(dropped.count()).isEqualTo((double) stuck.dropped());
  }

  @Test
  void anOnlineRunShowsItsPrequentialMetricsAndTheSourcesLag() {
    RunMeters meters = RunMeters.builder(registry, "online")
        .sourceLag(() -> Map.of("topic-0", 3L, "topic-1", 0L))
        .build();
    List<TrainingEvent.StepEnded<MlpClassifier, ClassificationMetrics>> steps = new ArrayList<>();

    meters.bind(Solstice.run(model())
            .train(Flux.defer(() -> Flux.fromIterable(DIGITS.train().batches(BATCH))).repeat())
            .prequential(5, 0.9)
            .maxSteps(30))
        .subscribers(event -> {
          if (event instanceof TrainingEvent.StepEnded<MlpClassifier, ClassificationMetrics> s) {
            steps.add(s);
          }
        })
        .block();

    TrainingEvent.StepEnded<MlpClassifier, ClassificationMetrics> last = steps.get(29);
    assertThat(counter("solstice.steps", "train", "online")).isEqualTo(30.0);
    assertThat(metric("train", "cumulative", "accuracy", "online"))
        .isEqualTo(last.prequential().cumulative().compute().get("accuracy"));
    assertThat(metric("train", "window", "loss", "online"))
        .isEqualTo(last.prequential().window().compute().get("loss"));
    assertThat(metric("train", "fading", "accuracy", "online"))
        .isEqualTo(last.prequential().fading().get("accuracy"));
    assertThat(registry.get("solstice.source.lag").tags("run", "online", "partition", "topic-0")
        .gauge().value()).isEqualTo(3.0);
    assertThat(registry.get("solstice.source.lag").tags("run", "online", "partition", "topic-1")
        .gauge().value()).isZero();
  }

  @Test
  void anEpochCutShortByAStopHasGaugesOfItsOwn() {
    RunMeters meters = RunMeters.builder(registry, "digits").build();
    int valBatches = batchesOf(DIGITS.test().size());
    List<TrainingEvent.EpochEnded<?, ?>> valEpochs = new ArrayList<>();

    // The stop after the first val step of epoch 1 cuts that validation short.
    meters.bind(Solstice.run(model())
            .train(Flux.defer(() -> Flux.fromIterable(DIGITS.train().batches(BATCH))))
            .validate(Flux.defer(() -> Flux.fromIterable(DIGITS.test().batches(BATCH))))
            .epochs(2))
        .subscribers(StopAt.stepEnd(Mode.VAL, valBatches), event -> {
          if (event instanceof TrainingEvent.EpochEnded<?, ?> end && end.mode() == Mode.VAL) {
            valEpochs.add(end);
          }
        })
        .block();

    assertThat(valEpochs).extracting(TrainingEvent.EpochEnded::complete).containsExactly(true, false);
    assertThat(metric("val", "epoch", "accuracy")).isEqualTo(valEpochs.get(0).values().get("accuracy"));
    assertThat(metric("val", "epoch_cut_short", "accuracy"))
        .isEqualTo(valEpochs.get(1).values().get("accuracy"));
  }

  private static MlpClassifier model() {
    return MlpClassifier.builder()
        .inputs(DigitsDataset.FEATURES).hidden(32).classes(DigitsDataset.CLASSES)
        .updater(new Adam(3e-3)).seed(11).build();
  }

  private static int batchesOf(int rows) {
    return (rows + BATCH - 1) / BATCH;
  }

  private double counter(String name, String mode) {
    return counter(name, mode, "digits");
  }

  private double counter(String name, String mode, String run) {
    return registry.get(name).tags("run", run, "mode", mode).counter().count();
  }

  private double gauge(String name) {
    return registry.get(name).tag("run", "digits").gauge().value();
  }

  private double metric(String mode, String over, String name) {
    return metric(mode, over, name, "digits");
  }

  private double metric(String mode, String over, String name, String run) {
    return registry.get("solstice.metric")
        .tags("run", run, "mode", mode, "over", over, "name", name).gauge().value();
  }

  private void assertTimer(String name, String mode, long count, long totalNanos) {
    Timer timer = registry.get(name).tags("run", "digits", "mode", mode).timer();
    assertThat(timer.count()).as(name + " count").isEqualTo(count);
    assertThat(timer.totalTime(TimeUnit.NANOSECONDS)).as(name + " total")
        .isEqualTo((double) totalNanos);
    assertThat(timer.takeSnapshot().percentileValues()).as(name + " percentiles").hasSize(3);
  }

  private static void waitFor(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** What the run's events said, and what the gauges read while its steps ran. */
  private final class RunRecord implements TrainingSubscriber<MlpClassifier, ClassificationMetrics> {
    final Map<Mode, AtomicLong> steps = new EnumMap<>(Mode.class);
    final Map<Mode, long[]> timingSums = new EnumMap<>(Mode.class);
    final List<Double> inFlightSeen = new ArrayList<>();
    final List<Double> activeDuringSteps = new ArrayList<>();
    double filledReadAhead;
    double occupancyAtFill;
    ClassificationMetrics lastTrainStep;
    ClassificationMetrics lastValStep;
    Map<String, Double> lastValValues;
    Map<String, Double> lastTrainEpochValues;

    RunRecord() {
      for (Mode mode : Mode.values()) {
        steps.put(mode, new AtomicLong());
        timingSums.put(mode, new long[3]);
      }
    }

    @Override
    public void onEvent(TrainingEvent<MlpClassifier, ClassificationMetrics> event) {
      if (event instanceof TrainingEvent.StepStarted<?, ?> start && start.globalStep() == 0
          && start.mode() == Mode.TRAIN) {
        // Hold the first step until the source has read ahead as far as the prefetch allows.
        await().atMost(Duration.ofSeconds(30))
            .until(() -> gauge("solstice.batches.in.flight") >= PREFETCH);
        filledReadAhead = gauge("solstice.batches.in.flight");
        occupancyAtFill = gauge("solstice.prefetch.occupancy");
      } else if (event instanceof TrainingEvent.StepEnded<MlpClassifier, ClassificationMetrics> step) {
        steps.get(step.mode()).incrementAndGet();
        long[] sums = timingSums.get(step.mode());
        sums[0] += step.timings().step();
        sums[1] += step.timings().dataWait();
        sums[2] += step.timings().subscribers();
        inFlightSeen.add(gauge("solstice.batches.in.flight"));
        activeDuringSteps.add(gauge("solstice.run.active"));
        if (step.mode() == Mode.TRAIN) {
          lastTrainStep = step.outputs();
        } else {
          lastValStep = step.outputs();
        }
      } else if (event instanceof TrainingEvent.ValidationEnded<MlpClassifier, ClassificationMetrics> val) {
        lastValValues = val.values();
      } else if (event instanceof TrainingEvent.EpochEnded<MlpClassifier, ClassificationMetrics> end
          && end.mode() == Mode.TRAIN) {
        lastTrainEpochValues = end.values();
      }
    }
  }

  /** A clock that moves one second each time it is read, from the epoch. */
  private static final class TickingClock extends Clock {
    private final AtomicLong seconds = new AtomicLong();

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochSecond(seconds.incrementAndGet());
    }

    @Override
    public long millis() {
      return instant().toEpochMilli();
    }
  }
}
