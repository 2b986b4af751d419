package io.solstice.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.TensorBatch;
import io.solstice.micrometer.internal.LatestValues;
import io.solstice.reactive.AsyncSubscriber;
import io.solstice.reactive.PrequentialMetrics;
import io.solstice.reactive.Run;
import io.solstice.reactive.RunControl;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.time.Clock;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Micrometer meters of a run, recorded by a synchronous subscriber of its events: bind it with
 * {@link #bind(Run)} (or register {@link #subscriber()} yourself) and every meter below is
 * tagged {@code run=<name>}.
 *
 * <pre>{@code
 * RunMeters meters = RunMeters.builder(registry, "digits").build();
 * MlpClassifier trained = meters.bind(Solstice.run(model).train(batches)).block();
 * }</pre>
 *
 * <table>
 *   <caption>Meters (Prometheus names in brackets)</caption>
 *   <tr><td>{@code solstice.steps} counter, tag {@code mode}</td>
 *       <td>steps completed ({@code solstice_steps_total})</td></tr>
 *   <tr><td>{@code solstice.samples} counter, tag {@code mode}</td>
 *       <td>rows stepped ({@code solstice_samples_total})</td></tr>
 *   <tr><td>{@code solstice.step.time}, {@code solstice.data.wait}, {@code
 *       solstice.subscriber.time} timers with p50, p90, p99, tag {@code mode}</td>
 *       <td>the step's {@link TrainingEvent.Timings}</td></tr>
 *   <tr><td>{@code solstice.batches.in.flight} gauge</td>
 *       <td>{@link RunControl#batchesInFlight()}</td></tr>
 *   <tr><td>{@code solstice.prefetch.occupancy} gauge</td>
 *       <td>batches in flight / prefetch: near 0 the trainer waits for data, at 1 or above the
 *       source keeps ahead (the hand-over slot makes {@code (prefetch + 1) / prefetch} the
 *       most)</td></tr>
 *   <tr><td>{@code solstice.last.step.timestamp} time gauge</td>
 *       <td>wall-clock time of the last completed step, the run's start before the first
 *       ({@code solstice_last_step_timestamp_seconds}): alert on {@code time() - it}</td></tr>
 *   <tr><td>{@code solstice.run.active} gauge</td><td>1 between RunStarted and RunEnded</td></tr>
 *   <tr><td>{@code solstice.metric} gauges, tags {@code mode}, {@code name}, {@code over}</td>
 *       <td>the latest computed metrics: {@code over=step} (the last step's outputs), {@code
 *       epoch} (the last complete {@code EpochEnded}), {@code epoch_cut_short} (the last one a
 *       stop cut short, a validation stopped half-way or an online run's epoch: its values cover
 *       only the steps that ran), and for prequential runs {@code cumulative}, {@code window} and
 *       {@code fading}</td></tr>
 *   <tr><td>{@code solstice.events.dropped} function counter, tag {@code subscriber}</td>
 *       <td>{@link AsyncSubscriber#dropped()} of the subscribers given to {@link
 *       Builder#asyncSubscriber}</td></tr>
 *   <tr><td>{@code solstice.source.lag} gauge, tag {@code partition}</td>
 *       <td>records of a partition not yet trained, from {@link Builder#sourceLag}</td></tr>
 * </table>
 *
 * <p>The subscriber does constant work per event on the training thread (counters, timers,
 * references); metrics are computed only when a registry reads their gauges, from the immutable
 * outputs of the last step. Meters are registered once, so one {@code RunMeters} describes one
 * run at a time (a run's sequential test run after it may share it). Thread-safe.
 */
public final class RunMeters {

  /** The tag that names the run on every meter. */
  public static final String RUN_TAG = "run";

  private static final double[] PERCENTILES = {0.5, 0.9, 0.99};

  private final MeterRegistry registry;
  private final Tags runTags;
  private final ToLongFunction<Object> samplesOf;
  private final Clock clock;
  private final Supplier<? extends Map<String, ? extends Number>> sourceLag;
  private final Map<Mode, ModeMeters> modes = new EnumMap<>(Mode.class);
  private final Set<String> registered = ConcurrentHashMap.newKeySet();
  private final Set<String> lagPartitions = ConcurrentHashMap.newKeySet();
  private final Map<Mode, LatestValues> stepValues = new EnumMap<>(Mode.class);
  private final Map<Mode, LatestValues> epochValues = new EnumMap<>(Mode.class);
  private final Map<Mode, LatestValues> cutShortEpochValues = new EnumMap<>(Mode.class);
  private final LatestValues cumulative = new LatestValues();
  private final LatestValues window = new LatestValues();
  private final LatestValues fading = new LatestValues();
  private final AtomicReference<RunControl> current = new AtomicReference<>();
  private volatile long lastStepMillis;
  private volatile boolean active;

  private RunMeters(Builder builder) {
    this.registry = builder.registry;
    this.runTags = Tags.of(RUN_TAG, builder.run);
    this.samplesOf = builder.samplesOf;
    this.clock = builder.clock;
    this.sourceLag = builder.sourceLag;
    for (Mode mode : Mode.values()) {
      modes.put(mode, new ModeMeters(mode));
      stepValues.put(mode, new LatestValues());
      epochValues.put(mode, new LatestValues());
      cutShortEpochValues.put(mode, new LatestValues());
    }
    Gauge.builder("solstice.batches.in.flight", this, RunMeters::batchesInFlight)
        .tags(runTags).strongReference(true)
        .description("Batches the sources emitted that no step has taken yet")
        .register(registry);
    Gauge.builder("solstice.prefetch.occupancy", this, RunMeters::prefetchOccupancy)
        .tags(runTags).strongReference(true)
        .description("Batches in flight divided by the run's prefetch")
        .register(registry);
    TimeGauge.builder("solstice.last.step.timestamp", this, TimeUnit.MILLISECONDS,
            meters -> meters.lastStepMillis)
        .tags(runTags).strongReference(true)
        .description("Wall-clock time of the last completed step (the run's start before it)")
        .register(registry);
    Gauge.builder("solstice.run.active", this, meters -> meters.active ? 1 : 0)
        .tags(runTags).strongReference(true)
        .description("1 while the run is running")
        .register(registry);
    builder.asyncSubscribers.forEach((name, subscriber) ->
        FunctionCounter.builder("solstice.events.dropped", subscriber, AsyncSubscriber::dropped)
            .tags(runTags).tag("subscriber", name)
            .description("Events an asynchronous subscriber dropped because it fell behind")
            .register(registry));
  }

  /**
   * Starts a builder.
   *
   * @param registry where the meters go
   * @param run the value of the {@code run} tag on every meter
   * @return the builder
   */
  public static Builder builder(MeterRegistry registry, String run) {
    return new Builder(registry, run);
  }

  /**
   * The run with this object's {@link #subscriber()} added after its other synchronous
   * subscribers.
   *
   * @param run the run to observe
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the new run
   */
  public <E extends Experiment<E, B, O>, B, O> Run<E, B, O> bind(Run<E, B, O> run) {
    return run.subscribers(subscriber());
  }

  /**
   * The synchronous subscriber that records the meters; it accepts the events of any run.
   *
   * @return the subscriber
   */
  public TrainingSubscriber<Object, Object> subscriber() {
    return this::record;
  }

  private void record(TrainingEvent<Object, Object> event) {
    if (event instanceof TrainingEvent.StepEnded<Object, Object> step) {
      stepEnded(step);
    } else if (event instanceof TrainingEvent.RunStarted<Object, Object> started) {
      current.set(started.run());
      lastStepMillis = clock.millis();
      active = true;
    } else if (event instanceof TrainingEvent.EpochEnded<Object, Object> end
        && !end.values().isEmpty()) {
      // A cut-short epoch's values cover part of its data: kept apart from whole epochs'.
      LatestValues latest = (end.complete() ? epochValues : cutShortEpochValues).get(end.mode());
      latest.setValues(end.values());
      registerMetricGauges(end.mode(), end.complete() ? "epoch" : "epoch_cut_short", latest,
          end.values().keySet());
    } else if (event instanceof TrainingEvent.RunEnded<Object, Object> ended) {
      active = false;
      current.compareAndSet(ended.run(), null);
    }
  }

  private void stepEnded(TrainingEvent.StepEnded<Object, Object> step) {
    lastStepMillis = clock.millis();
    ModeMeters meters = modes.get(step.mode());
    meters.steps.increment();
    Object batch = step.batch().isOpen() ? step.batch().get() : null;
    if (batch != null) {
      meters.samples.increment(samplesOf.applyAsLong(batch));
    }
    TrainingEvent.Timings timings = step.timings();
    meters.stepTime.record(timings.step(), TimeUnit.NANOSECONDS);
    meters.dataWait.record(timings.dataWait(), TimeUnit.NANOSECONDS);
    meters.subscriberTime.record(timings.subscribers(), TimeUnit.NANOSECONDS);
    LatestValues latest = stepValues.get(step.mode());
    if (latest.setOutputs(step.outputs())) {
      registerMetricGauges(step.mode(), "step", latest, latest.keys());
    }
    PrequentialMetrics<Object> prequential = step.prequential();
    if (prequential != null) {
      if (cumulative.setOutputs(prequential.cumulative())) {
        registerMetricGauges(step.mode(), "cumulative", cumulative, cumulative.keys());
      }
      if (window.setOutputs(prequential.window())) {
        registerMetricGauges(step.mode(), "window", window, window.keys());
      }
      boolean first = fading.keys().isEmpty();
      fading.setValues(prequential.fading());
      if (first) {
        registerMetricGauges(step.mode(), "fading", fading, prequential.fading().keySet());
      }
    }
    if (sourceLag != null) {
      registerLagGauges();
    }
  }

  // Gauges for names not seen before; the check is a set lookup per name.
  private void registerMetricGauges(Mode mode, String over, LatestValues values, Set<String> names) {
    for (String name : names) {
      if (registered.add(mode + "/" + over + "/" + name)) {
        Gauge.builder("solstice.metric", values, v -> v.value(name))
            .tags(runTags).tag("mode", tagValue(mode)).tag("name", name).tag("over", over)
            .strongReference(true)
            .description("The latest value of a metric of the run")
            .register(registry);
      }
    }
  }

  private void registerLagGauges() {
    Map<String, ? extends Number> lag = sourceLag.get();
    for (String partition : lag.keySet()) {
      if (lagPartitions.add(partition)) {
        Gauge.builder("solstice.source.lag", sourceLag, supplier -> {
              Number records = supplier.get().get(partition);
              return records == null ? Double.NaN : records.doubleValue();
            })
            .tags(runTags).tag("partition", partition).strongReference(true)
            .baseUnit("records")
            .description("Records of a source partition the run has not trained on yet")
            .register(registry);
      }
    }
  }

  private double batchesInFlight() {
    RunControl run = current.get();
    return run == null ? 0 : run.batchesInFlight();
  }

  private double prefetchOccupancy() {
    RunControl run = current.get();
    return run == null || run.prefetch() == 0 ? 0 : (double) run.batchesInFlight() / run.prefetch();
  }

  private static String tagValue(Mode mode) {
    return mode.name().toLowerCase(Locale.ROOT);
  }

  /** The per-mode counters and timers. */
  private final class ModeMeters {
    final Counter steps;
    final Counter samples;
    final Timer stepTime;
    final Timer dataWait;
    final Timer subscriberTime;

    ModeMeters(Mode mode) {
      Tags tags = runTags.and("mode", tagValue(mode));
      steps = Counter.builder("solstice.steps").tags(tags).description("Steps completed")
          .register(registry);
      samples = Counter.builder("solstice.samples").tags(tags).description("Rows stepped")
          .register(registry);
      stepTime = timer("solstice.step.time", "Time in the experiment's step", tags);
      dataWait = timer("solstice.data.wait", "Time the training thread waited for a batch", tags);
      subscriberTime = timer("solstice.subscriber.time",
          "Time in synchronous subscribers around a step", tags);
    }

    private Timer timer(String name, String description, Tags tags) {
      return Timer.builder(name).tags(tags).description(description)
          .publishPercentiles(PERCENTILES)
          .register(registry);
    }
  }

  /** Options of {@link RunMeters}. */
  public static final class Builder {
    private final MeterRegistry registry;
    private final String run;
    private final Map<String, AsyncSubscriber<?, ?>> asyncSubscribers = new LinkedHashMap<>();
    private ToLongFunction<Object> samplesOf =
        batch -> batch instanceof TensorBatch tensors ? tensors.rows() : 0;
    private Clock clock = Clock.systemUTC();
    private Supplier<? extends Map<String, ? extends Number>> sourceLag;

    private Builder(MeterRegistry registry, String run) {
      this.registry = Objects.requireNonNull(registry, "registry");
      this.run = Objects.requireNonNull(run, "run");
    }

    /**
     * How many samples (rows) a batch holds, for {@code solstice.samples}; by default {@link
     * TensorBatch#rows()}, and 0 for other batch types. Called on the training thread with the
     * batch still open.
     *
     * @param samplesOf the row count of a batch
     * @return this builder
     */
    public Builder samples(ToLongFunction<Object> samplesOf) {
      this.samplesOf = Objects.requireNonNull(samplesOf, "samplesOf");
      return this;
    }

    /**
     * Counts the events an asynchronous subscriber of the run drops ({@code
     * solstice.events.dropped}, tag {@code subscriber=name}).
     *
     * @param name the subscriber's tag value
     * @param subscriber the subscriber
     * @return this builder
     */
    public Builder asyncSubscriber(String name, AsyncSubscriber<?, ?> subscriber) {
      asyncSubscribers.put(Objects.requireNonNull(name, "name"),
          Objects.requireNonNull(subscriber, "subscriber"));
      return this;
    }

    /**
     * The source's lag by partition ({@code solstice.source.lag}), for example {@code
     * KafkaSource::consumerLag}: records of each partition the run has not trained on. It is
     * read when the registry reads the gauges, and after each step to find new partitions, so
     * it must be thread-safe and cheap.
     *
     * @param lag records behind, by partition name
     * @return this builder
     */
    public Builder sourceLag(Supplier<? extends Map<String, ? extends Number>> lag) {
      this.sourceLag = Objects.requireNonNull(lag, "lag");
      return this;
    }

    /**
     * The clock of {@code solstice.last.step.timestamp} (default: the system's UTC clock).
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Registers the meters.
     *
     * @return the meters
     */
    public RunMeters build() {
      return new RunMeters(this);
    }
  }
}
