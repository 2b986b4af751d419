package io.solstice.reactive.callbacks;

import io.solstice.core.Mode;
import io.solstice.core.nd4j.OpProfilerLease;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingEvent.EpochEnded;
import io.solstice.reactive.TrainingEvent.RunStarted;
import io.solstice.reactive.TrainingEvent.StepEnded;
import io.solstice.reactive.TrainingEvent.StepStarted;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.callbacks.internal.StepEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;

/**
 * Reports where the time of each epoch's steps went (waiting for data, the step itself, the
 * synchronous subscribers) as p50/p90/p99/max; emits a JDK Flight Recorder event {@code
 * io.solstice.Step} per step; optionally turns on ND4J's op profiler for chosen train steps.
 *
 * <p><b>Timings.</b> The engine measures every step and puts the split on its {@link
 * StepEnded#timings()} ({@link TrainingEvent.Timings}): this profiler measures nothing itself,
 * so its place among the subscribers does not matter and the split is exact. Per run, the
 * timings of each mode are cut into epochs with {@code windowUntil(EpochEnded)} and reported at
 * every {@code EpochEnded}, also for an epoch without steps (all zero); a train epoch interrupted
 * by a step-cadence validation keeps its own steps apart from the validation's.
 *
 * <p><b>Flight Recorder.</b> Start a recording (for example {@code
 * -XX:StartFlightRecording=filename=run.jfr}) and each step appears as an {@code
 * io.solstice.Step} event with its mode, number, epoch and the three durations; the event itself
 * spans this profiler's handling of {@code StepStarted} to that of {@code StepEnded}. Events cost
 * almost nothing while no recording is on.
 *
 * <p><b>ND4J op profiling.</b> For the train steps given to {@link Builder#profileOps}, ND4J's
 * op profiler is reset and switched on at the step's {@code StepStarted} and off at its {@code
 * StepEnded} (or at {@code RunEnded}, when the step never ended); its dashboard is logged (by
 * ND4J's own logger) and the number of ops executed is in {@link #profiledOps()}. Op profiling is
 * global to the ND4J executioner, so it also counts the ops of other threads and runs in that
 * time, and it slows those steps down a lot.
 *
 * <pre>{@code
 * ProfilingCallback profiler = ProfilingCallback.builder().profileOps(0L, 1L).build();
 * Solstice.run(exp).train(batches).subscribers(profiler).block();
 * profiler.lastReport(Mode.TRAIN).ifPresent(System.out::println);
 * }</pre>
 */
public final class ProfilingCallback implements TrainingSubscriber<Object, Object> {

  private static final Logger LOG = LoggerFactory.getLogger("solstice");

  private final Consumer<StepTimings> report;
  private final Set<Long> opSteps;
  private final Map<Mode, StepTimings> lastReports = new ConcurrentHashMap<>();
  private final List<OpProfile> profiledOps = new CopyOnWriteArrayList<>();
  private final TrainingSubscriber<Object, Object> pipeline = TrainingSubscriber.flow(this::profile);

  private ProfilingCallback(Builder builder) {
    this.report = builder.report;
    this.opSteps = Set.copyOf(builder.opSteps);
  }

  /**
   * A builder with SLF4J reports and no op profiling.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * One ND4J op profile.
   *
   * @param trainStep the train step profiled
   * @param operations how many ops ND4J executed in it
   */
  public record OpProfile(long trainStep, long operations) {}

  @Override
  public void onEvent(TrainingEvent<Object, Object> event) throws Exception {
    pipeline.onEvent(event);
  }

  /**
   * The timings of the last finished epoch of a mode, over every run this profiler served.
   *
   * @param mode the mode
   * @return the timings, or empty before the first epoch of that mode ended
   */
  public Optional<StepTimings> lastReport(Mode mode) {
    return Optional.ofNullable(lastReports.get(mode));
  }

  /**
   * The ND4J op profiles taken, in step order.
   *
   * @return the profiles
   */
  public List<OpProfile> profiledOps() {
    return List.copyOf(profiledOps);
  }

  /** One run's pipeline: per-step recording, then each mode's steps cut into epochs. */
  private Flux<StepTimings> profile(Flux<TrainingEvent<Object, Object>> events) {
    StepRecorder recorder = new StepRecorder();
    return events
        .doOnNext(recorder::record)
        .filter(event -> event instanceof StepEnded || event instanceof EpochEnded)
        .groupBy(ProfilingCallback::modeOf)
        .flatMap(ofMode -> ofMode
            .windowUntil(EpochEnded.class::isInstance)
            .concatMap(Flux::collectList))
        .<StepTimings>handle((epoch, sink) -> {
          // A window that does not end with EpochEnded is the rest of a failed run.
          if (epoch.get(epoch.size() - 1) instanceof EpochEnded<Object, Object> end) {
            sink.next(timingsOf(end, epoch));
          }
        })
        .doOnNext(timings -> {
          lastReports.put(timings.mode(), timings);
          report.accept(timings);
        })
        // The events complete after RunEnded; a pipeline that failed (a report that threw) sees
        // no RunEnded. Either way the pipeline ends, and so does op profiling.
        .doFinally(signal -> recorder.end());
  }

  private static Mode modeOf(TrainingEvent<Object, Object> event) {
    return event instanceof StepEnded<Object, Object> step
        ? step.mode()
        : ((EpochEnded<Object, Object>) event).mode();
  }

  private static StepTimings timingsOf(
      EpochEnded<Object, Object> end, List<TrainingEvent<Object, Object>> epoch) {
    List<TrainingEvent.Timings> timings = new ArrayList<>(epoch.size() - 1);
    for (TrainingEvent<Object, Object> event : epoch) {
      if (event instanceof StepEnded<Object, Object> step) {
        timings.add(step.timings());
      }
    }
    return StepTimings.of(end.mode(), end.epoch(), timings);
  }

  /** The Flight Recorder event and the op profiling of one run's step in progress. */
  private final class StepRecorder {
    private StepEvent inFlight;
    private boolean profilingOps;
    // ND4J's op profiler is process-wide: a run that profiles ops holds it from start to end,
    // and a second one at the same time is refused at its start, naming the holder.
    private OpProfilerLease lease;

    void record(TrainingEvent<Object, Object> event) {
      if (event instanceof RunStarted<Object, Object> && !opSteps.isEmpty()) {
        lease = OpProfilerLease.acquire("run " + event.run().id() + " (ProfilingCallback)");
      } else if (event instanceof StepStarted<Object, Object> started) {
        started(started);
      } else if (event instanceof StepEnded<Object, Object> ended) {
        ended(ended);
      }
    }

    /** Switches op profiling off and lets go of the profiler, at the end of the run's pipeline. */
    void end() {
      try {
        stopProfilingOps();
      } finally {
        if (lease != null) {
          lease.release();
        }
      }
    }

    private void started(StepStarted<Object, Object> step) {
      // A step refused after it started (a non-finite loss, or features its experiment refused)
      // has no StepEnded.
      stopProfilingOps();
      StepEvent jfr = new StepEvent();
      jfr.begin();
      jfr.mode = step.mode().label();
      jfr.step = step.globalStep();
      jfr.epoch = step.epoch();
      inFlight = jfr;
      if (step.mode() == Mode.TRAIN && opSteps.contains(step.globalStep())) {
        OpProfiler.getInstance().reset();
        Nd4j.getExecutioner().setProfilingConfig(
            ProfilerConfig.builder().checkElapsedTime(true).build());
        profilingOps = true;
      }
    }

    private void ended(StepEnded<Object, Object> step) {
      StepEvent jfr = inFlight;
      inFlight = null;
      if (jfr != null && jfr.step == step.globalStep() && jfr.mode.equals(step.mode().label())) {
        jfr.end();
        TrainingEvent.Timings timings = step.timings();
        jfr.dataWait = timings.dataWait();
        jfr.stepTime = timings.step();
        jfr.subscribersTime = timings.subscribers();
        if (jfr.shouldCommit()) {
          jfr.commit();
        }
      }
      if (profilingOps) {
        stopProfilingOps();
        long operations = OpProfiler.getInstance().getInvocationsCount();
        profiledOps.add(new OpProfile(step.globalStep(), operations));
        LOG.info("ND4J op profile of {} step {}: {} ops", step.mode().label(), step.globalStep(),
            operations);
        OpProfiler.getInstance().printOutDashboard();
      }
    }

    private void stopProfilingOps() {
      if (profilingOps) {
        Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().build());
        profilingOps = false;
      }
    }
  }

  /** Configures a {@link ProfilingCallback}. */
  public static final class Builder {
    private Consumer<StepTimings> report = timings -> LOG.info("timings: {}", timings);
    private Set<Long> opSteps = Set.of();

    private Builder() {}

    /**
     * Where each epoch's timings go (default: SLF4J logger {@code solstice} at INFO); called on
     * the training thread at the epoch's {@code EpochEnded}.
     *
     * @param destination the consumer
     * @return this builder
     */
    public Builder report(Consumer<StepTimings> destination) {
      this.report = Objects.requireNonNull(destination, "report");
      return this;
    }

    /**
     * Profiles ND4J ops during these train steps (numbers from 0), like the original's
     * {@code steps_to_profile}. Step 0 is usually slowest (warm-up), so profile 0 and 1.
     *
     * @param trainSteps the steps
     * @return this builder
     */
    public Builder profileOps(Long... trainSteps) {
      this.opSteps = Set.of(trainSteps);
      return this;
    }

    /**
     * Builds the profiler.
     *
     * @return the profiler, for {@link io.solstice.reactive.Run#subscribers}
     */
    public ProfilingCallback build() {
      return new ProfilingCallback(this);
    }
  }
}
