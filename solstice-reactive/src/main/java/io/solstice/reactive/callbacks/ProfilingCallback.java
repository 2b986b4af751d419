package io.solstice.reactive.callbacks;

import io.solstice.core.Callback;
import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.reactive.callbacks.internal.StepEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits each step's time into waiting for data, the step itself and callbacks; reports
 * p50/p90/p99 per epoch; emits a JDK Flight Recorder event {@code io.solstice.Step} per step;
 * optionally turns on ND4J's op profiler for chosen train steps.
 *
 * <p><b>What one callback can measure.</b> A callback sees only its own hooks. Used as a plain
 * callback, placed first in the list, "data wait" is the time from the end of its previous
 * {@code onStepEnd} (or the epoch start) to its {@code onStepStart}, which also contains the
 * {@code onStepEnd} of the callbacks after it; "step" is from its {@code onStepStart} to its
 * {@code onStepEnd}, which also contains the {@code onStepStart} of the callbacks after it; and
 * callback time is not measured (reported as null). For an exact split, let the profiler wrap
 * the other callbacks with {@link #around(List)}: the returned single callback calls them
 * itself and times them, so "callbacks" is exactly the time spent in them and the other two
 * are exact as well.
 *
 * <p><b>Flight Recorder.</b> Start a recording (for example {@code
 * -XX:StartFlightRecording=filename=run.jfr}) and each step appears as an {@code
 * io.solstice.Step} event with its mode, number, epoch and the three durations. Events cost
 * almost nothing while no recording is on.
 *
 * <p><b>ND4J op profiling.</b> For the train steps given to {@link Builder#profileOps}, ND4J's
 * op profiler is reset and switched on at the step's start and off at its end; its dashboard is
 * logged (by ND4J's own logger) and the number of ops executed is in {@link #profiledOps()}.
 * Op profiling is global to the ND4J executioner and slows those steps down a lot.
 *
 * @param <E> the experiment type
 * @param <B> the batch type
 * @param <O> the step-output type
 */
public final class ProfilingCallback<E, B, O> implements Callback<E, B, O> {

  private static final Logger LOG = LoggerFactory.getLogger("solstice");

  private final LongSupplier clock;
  private final Consumer<StepTimings> report;
  private final Set<Long> opSteps;
  private final Map<Mode, StepTimings> lastReports = new EnumMap<>(Mode.class);
  private final List<OpProfile> profiledOps = new ArrayList<>();

  private boolean measuresCallbacks;
  private int epoch;
  private long previousEnd;
  private long stepStart;
  private long pendingCallbackNanos;
  private long pendingDataWait;
  private int count;
  private long[] dataWaits = new long[256];
  private long[] stepTimes = new long[256];
  private long[] callbackTimes = new long[256];
  private StepEvent event;
  private boolean profilingOps;

  private ProfilingCallback(Builder<E, B, O> builder) {
    this.clock = builder.clock;
    this.report = builder.report;
    this.opSteps = Set.copyOf(builder.opSteps);
  }

  /**
   * A builder with the system clock, SLF4J reports and no op profiling.
   *
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the output type
   * @return the builder
   */
  public static <E, B, O> Builder<E, B, O> builder() {
    return new Builder<>();
  }

  /**
   * The ND4J op profiles taken so far.
   *
   * @param trainStep the train step profiled
   * @param operations how many ops ND4J executed in it
   */
  public record OpProfile(long trainStep, long operations) {}

  /**
   * One callback that runs {@code others} in order inside this profiler, timing them exactly.
   * Give the engine this instead of the profiler and the others.
   *
   * @param others the callbacks to time
   * @return the wrapping callback
   */
  public Callback<E, B, O> around(List<? extends Callback<E, B, O>> others) {
    measuresCallbacks = true;
    List<Callback<E, B, O>> inner = List.copyOf(others);
    ProfilingCallback<E, B, O> profiler = this;
    return new Callback<>() {
      @Override
      public void onEpochStart(E experiment, int epochNumber, Mode mode) {
        profiler.onEpochStart(experiment, epochNumber, mode);
        inner.forEach(c -> c.onEpochStart(experiment, epochNumber, mode));
        profiler.previousEnd = profiler.clock.getAsLong();
      }

      @Override
      public void onStepStart(E experiment, long globalStep, Mode mode, B batch) {
        long start = profiler.clock.getAsLong();
        profiler.beginStep(start, globalStep, mode);
        inner.forEach(c -> c.onStepStart(experiment, globalStep, mode, batch));
        long end = profiler.clock.getAsLong();
        profiler.pendingCallbackNanos = end - start;
        profiler.stepStart = end;
      }

      @Override
      public void onStepEnd(O outputs, E experiment, long globalStep, Mode mode, B batch) {
        long start = profiler.clock.getAsLong();
        long stepNanos = start - profiler.stepStart;
        profiler.endProfilingOps(globalStep, mode);
        inner.forEach(c -> c.onStepEnd(outputs, experiment, globalStep, mode, batch));
        long end = profiler.clock.getAsLong();
        profiler.record(stepNanos, profiler.pendingCallbackNanos + end - start);
        profiler.previousEnd = end;
      }

      @Override
      public void onEpochEnd(E experiment, int epochNumber, Mode mode) {
        inner.forEach(c -> c.onEpochEnd(experiment, epochNumber, mode));
        profiler.onEpochEnd(experiment, epochNumber, mode);
      }

      @Override
      public void onRunEnd(E experiment, RunOutcome outcome) {
        RuntimeException first = null;
        for (Callback<E, B, O> c : inner) {
          try {
            c.onRunEnd(experiment, outcome);
          } catch (RuntimeException e) {
            if (first == null) {
              first = e;
            } else {
              first.addSuppressed(e);
            }
          }
        }
        profiler.onRunEnd(experiment, outcome);
        if (first != null) {
          throw first;
        }
      }
    };
  }

  @Override
  public void onEpochStart(E experiment, int epochNumber, Mode mode) {
    epoch = epochNumber;
    count = 0;
    previousEnd = clock.getAsLong();
  }

  @Override
  public void onStepStart(E experiment, long globalStep, Mode mode, B batch) {
    beginStep(clock.getAsLong(), globalStep, mode);
    stepStart = clock.getAsLong();
    pendingCallbackNanos = 0;
  }

  @Override
  public void onStepEnd(O outputs, E experiment, long globalStep, Mode mode, B batch) {
    long now = clock.getAsLong();
    endProfilingOps(globalStep, mode);
    record(now - stepStart, 0);
    previousEnd = clock.getAsLong();
  }

  @Override
  public void onEpochEnd(E experiment, int epochNumber, Mode mode) {
    StepTimings timings =
        new StepTimings(mode, epochNumber, count,
            StepTimings.Percentiles.of(dataWaits, count),
            StepTimings.Percentiles.of(stepTimes, count),
            measuresCallbacks ? StepTimings.Percentiles.of(callbackTimes, count) : null);
    lastReports.put(mode, timings);
    report.accept(timings);
  }

  @Override
  public void onRunEnd(E experiment, RunOutcome outcome) {
    if (profilingOps) {
      Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().build());
      profilingOps = false;
    }
  }

  /**
   * The timings of the last finished epoch of a mode.
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

  private void beginStep(long now, long globalStep, Mode mode) {
    pendingDataWait = now - previousEnd;
    event = new StepEvent();
    event.begin();
    event.mode = mode.label();
    event.step = globalStep;
    event.epoch = epoch;
    if (mode == Mode.TRAIN && opSteps.contains(globalStep)) {
      OpProfiler.getInstance().reset();
      Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().checkElapsedTime(true).build());
      profilingOps = true;
    }
  }

  private void endProfilingOps(long globalStep, Mode mode) {
    if (event != null) {
      event.end();
    }
    if (profilingOps) {
      Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().build());
      profilingOps = false;
      long operations = OpProfiler.getInstance().getInvocationsCount();
      profiledOps.add(new OpProfile(globalStep, operations));
      LOG.info("ND4J op profile of {} step {}: {} ops", mode.label(), globalStep, operations);
      OpProfiler.getInstance().printOutDashboard();
    }
  }

  private void record(long stepNanos, long callbackNanos) {
    if (count == dataWaits.length) {
      dataWaits = Arrays.copyOf(dataWaits, count * 2);
      stepTimes = Arrays.copyOf(stepTimes, count * 2);
      callbackTimes = Arrays.copyOf(callbackTimes, count * 2);
    }
    dataWaits[count] = pendingDataWait;
    stepTimes[count] = stepNanos;
    callbackTimes[count] = callbackNanos;
    count++;
    if (event != null) {
      event.dataWait = pendingDataWait;
      event.stepTime = stepNanos;
      event.callbacksTime = callbackNanos;
      if (event.shouldCommit()) {
        event.commit();
      }
      event = null;
    }
  }

  /**
   * Configures a {@link ProfilingCallback}.
   *
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the output type
   */
  public static final class Builder<E, B, O> {
    private LongSupplier clock = System::nanoTime;
    private Consumer<StepTimings> report = timings -> LOG.info("timings: {}", timings);
    private Set<Long> opSteps = Set.of();

    private Builder() {}

    /**
     * The nanosecond clock (tests inject a scripted one; default {@link System#nanoTime}).
     *
     * @param nanoTime the clock
     * @return this builder
     */
    public Builder<E, B, O> clock(LongSupplier nanoTime) {
      this.clock = Objects.requireNonNull(nanoTime, "clock");
      return this;
    }

    /**
     * Where each epoch's timings go (default: SLF4J logger {@code solstice} at INFO).
     *
     * @param destination the consumer
     * @return this builder
     */
    public Builder<E, B, O> report(Consumer<StepTimings> destination) {
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
    public Builder<E, B, O> profileOps(Long... trainSteps) {
      this.opSteps = Set.of(trainSteps);
      return this;
    }

    /**
     * Builds the callback.
     *
     * @return the callback
     */
    public ProfilingCallback<E, B, O> build() {
      return new ProfilingCallback<>(this);
    }
  }
}
