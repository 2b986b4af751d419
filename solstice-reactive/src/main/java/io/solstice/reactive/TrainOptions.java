package io.solstice.reactive;

import io.solstice.core.RunPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * How a run is driven: cadence, limits, prefetch, threads, observers and the position to
 * resume from. Immutable; build with {@link #builder()}. {@link #defaults()} validates every
 * epoch, has no limits and a prefetch of 4 batches.
 */
public final class TrainOptions {

  private static final TrainOptions DEFAULTS = builder().build();

  private final int prefetch;
  private final int validateEveryEpochs;
  private final long validateEverySteps;
  private final long limitTrainBatches;
  private final long limitValBatches;
  private final long maxSteps;
  private final Duration maxTime;
  private final Scheduler timer;
  private final ThreadFactory stepThreadFactory;
  private final Scheduler sourceScheduler;
  private final List<AsyncObserver<?, ?>> observers;
  private final RunPosition resumeFrom;
  private final long checkpointEvery;
  private final CheckpointHook checkpointHook;
  private final NonFinitePolicy nonFinite;

  private TrainOptions(Builder b) {
    this.prefetch = b.prefetch;
    this.validateEveryEpochs = b.validateEveryEpochs;
    this.validateEverySteps = b.validateEverySteps;
    this.limitTrainBatches = b.limitTrainBatches;
    this.limitValBatches = b.limitValBatches;
    this.maxSteps = b.maxSteps;
    this.maxTime = b.maxTime;
    this.timer = b.timer;
    this.stepThreadFactory = b.stepThreadFactory;
    this.sourceScheduler = b.sourceScheduler;
    this.observers = List.copyOf(b.observers);
    this.resumeFrom = b.resumeFrom;
    this.checkpointEvery = b.checkpointEvery;
    this.checkpointHook = b.checkpointHook;
    this.nonFinite = b.nonFinite;
  }

  /**
   * The default options.
   *
   * @return options with every setting at its default
   */
  public static TrainOptions defaults() {
    return DEFAULTS;
  }

  /**
   * A builder with every setting at its default.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding these options, to change some of them.
   *
   * @return the builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.prefetch = prefetch;
    b.validateEveryEpochs = validateEveryEpochs;
    b.validateEverySteps = validateEverySteps;
    b.limitTrainBatches = limitTrainBatches;
    b.limitValBatches = limitValBatches;
    b.maxSteps = maxSteps;
    b.maxTime = maxTime;
    b.timer = timer;
    b.stepThreadFactory = stepThreadFactory;
    b.sourceScheduler = sourceScheduler;
    b.observers.addAll(observers);
    b.resumeFrom = resumeFrom;
    b.checkpointEvery = checkpointEvery;
    b.checkpointHook = checkpointHook;
    b.nonFinite = nonFinite;
    return b;
  }

  /**
   * Batches requested ahead of the step; see {@link Builder#prefetch}.
   *
   * @return the prefetch, at least 1
   */
  public int prefetch() {
    return prefetch;
  }

  /**
   * Validate after every this many train epochs; 0 when epoch cadence is off.
   *
   * @return the epoch cadence
   */
  public int validateEveryEpochs() {
    return validateEveryEpochs;
  }

  /**
   * Validate after every this many train steps; 0 when step cadence is off.
   *
   * @return the step cadence
   */
  public long validateEverySteps() {
    return validateEverySteps;
  }

  /**
   * The most train batches per epoch; {@link Long#MAX_VALUE} when unlimited.
   *
   * @return the limit
   */
  public long limitTrainBatches() {
    return limitTrainBatches;
  }

  /**
   * The most val batches per validation; {@link Long#MAX_VALUE} when unlimited.
   *
   * @return the limit
   */
  public long limitValBatches() {
    return limitValBatches;
  }

  /**
   * The run stops once the train step counter reaches this; {@link Long#MAX_VALUE} when
   * unlimited.
   *
   * @return the limit
   */
  public long maxSteps() {
    return maxSteps;
  }

  /**
   * The run stops at the first step boundary after this much time.
   *
   * @return the limit, if any
   */
  public Optional<Duration> maxTime() {
    return Optional.ofNullable(maxTime);
  }

  /**
   * The scheduler whose timer measures {@link #maxTime()}; null means
   * {@link Schedulers#parallel()} at subscription time (so that
   * {@code StepVerifier.withVirtualTime} controls it).
   *
   * @return the timer, or null
   */
  public Scheduler timer() {
    return timer;
  }

  /**
   * Makes the run's training thread; null means daemon threads named {@code solstice-step-N}.
   *
   * @return the factory, or null
   */
  public ThreadFactory stepThreadFactory() {
    return stepThreadFactory;
  }

  /**
   * Where sources are subscribed and read; null means a bounded-elastic scheduler owned by the
   * run (threads named {@code solstice-source-N}), disposed when the run ends.
   *
   * @return the scheduler, or null
   */
  public Scheduler sourceScheduler() {
    return sourceScheduler;
  }

  /**
   * The asynchronous observers.
   *
   * @return the observers, in registration order
   */
  public List<AsyncObserver<?, ?>> observers() {
    return observers;
  }

  /**
   * Where the run starts.
   *
   * @return the position; {@link RunPosition#START} for a fresh run
   */
  public RunPosition resumeFrom() {
    return resumeFrom;
  }

  /**
   * Save a checkpoint after every this many train steps; 0 when off.
   *
   * @return the cadence
   */
  public long checkpointEvery() {
    return checkpointEvery;
  }

  /**
   * The checkpoint hook, if a checkpoint cadence is set.
   *
   * @return the hook, or null
   */
  public CheckpointHook checkpointHook() {
    return checkpointHook;
  }

  /**
   * What the run does with NaN or infinity in features or loss; see {@link NonFinitePolicy}.
   *
   * @return the policy, {@link NonFinitePolicy#FAIL} by default
   */
  public NonFinitePolicy nonFinite() {
    return nonFinite;
  }

  /** Builds {@link TrainOptions}. */
  public static final class Builder {
    private int prefetch = 4;
    private int validateEveryEpochs = 1;
    private long validateEverySteps;
    private long limitTrainBatches = Long.MAX_VALUE;
    private long limitValBatches = Long.MAX_VALUE;
    private long maxSteps = Long.MAX_VALUE;
    private Duration maxTime;
    private Scheduler timer;
    private ThreadFactory stepThreadFactory;
    private Scheduler sourceScheduler;
    private final List<AsyncObserver<?, ?>> observers = new ArrayList<>();
    private RunPosition resumeFrom = RunPosition.START;
    private long checkpointEvery;
    private CheckpointHook checkpointHook;
    private NonFinitePolicy nonFinite = NonFinitePolicy.FAIL;

    private Builder() {}

    /**
     * The backpressure contract: how many batches are requested from a source ahead of the
     * step (default 4), replenished one by one as the step takes them. At most {@code
     * prefetch + 2} batches of a source subscription are alive at once (the prefetched ones,
     * one handed to the training thread and the one in the step), whatever the source's speed.
     *
     * @param batches at least 1
     * @return this builder
     */
    public Builder prefetch(int batches) {
      if (batches < 1) {
        throw new IllegalArgumentException("prefetch must be >= 1 batch, was " + batches);
      }
      this.prefetch = batches;
      return this;
    }

    /**
     * Validate after every {@code n} train epochs (default 1); 0 turns epoch cadence off.
     *
     * @param n the cadence in epochs, >= 0
     * @return this builder
     */
    public Builder validateEveryEpochs(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("validateEveryEpochs must be >= 0, was " + n);
      }
      this.validateEveryEpochs = n;
      return this;
    }

    /**
     * Validate after every {@code n} train steps (the cadence for unbounded sources); 0 (the
     * default) turns step cadence off. Setting it turns epoch cadence off unless
     * {@link #validateEveryEpochs} is set afterwards.
     *
     * @param n the cadence in train steps, >= 0
     * @return this builder
     */
    public Builder validateEverySteps(long n) {
      if (n < 0) {
        throw new IllegalArgumentException("validateEverySteps must be >= 0, was " + n);
      }
      this.validateEverySteps = n;
      if (n > 0) {
        this.validateEveryEpochs = 0;
      }
      return this;
    }

    /**
     * Train on at most {@code n} batches per epoch; the source is cancelled after the n-th.
     *
     * @param n at least 1
     * @return this builder
     */
    public Builder limitTrainBatches(long n) {
      this.limitTrainBatches = positive("limitTrainBatches", n);
      return this;
    }

    /**
     * Validate on at most {@code n} batches per validation.
     *
     * @param n at least 1
     * @return this builder
     */
    public Builder limitValBatches(long n) {
      this.limitValBatches = positive("limitValBatches", n);
      return this;
    }

    /**
     * Stop the run (as an early stop) once the train step counter, which includes the steps
     * of a resumed position, reaches {@code n}.
     *
     * @param n at least 1
     * @return this builder
     */
    public Builder maxSteps(long n) {
      this.maxSteps = positive("maxSteps", n);
      return this;
    }

    /**
     * Stop the run (as an early stop) at the first step boundary after {@code limit} has
     * passed since it was subscribed. The step in progress is never interrupted.
     *
     * @param limit a positive duration
     * @return this builder
     */
    public Builder maxTime(Duration limit) {
      if (limit.isNegative() || limit.isZero()) {
        throw new IllegalArgumentException("maxTime must be positive, was " + limit);
      }
      this.maxTime = limit;
      return this;
    }

    /**
     * The scheduler that times {@link #maxTime}; by default {@link Schedulers#parallel()}
     * looked up at subscription, so {@code StepVerifier.withVirtualTime} controls it.
     *
     * @param timer the scheduler
     * @return this builder
     */
    public Builder timer(Scheduler timer) {
      this.timer = Objects.requireNonNull(timer, "timer");
      return this;
    }

    /**
     * Makes the one training thread of each run (for example to set its name, priority or
     * a CUDA device affinity). The thread ends when the run ends.
     *
     * @param factory the thread factory
     * @return this builder
     */
    public Builder stepThreadFactory(ThreadFactory factory) {
      this.stepThreadFactory = Objects.requireNonNull(factory, "factory");
      return this;
    }

    /**
     * Where sources are subscribed and read. By default each run owns a small bounded-elastic
     * scheduler; a scheduler given here is shared, and the run does not dispose it.
     *
     * @param scheduler the scheduler
     * @return this builder
     */
    public Builder sourceScheduler(Scheduler scheduler) {
      this.sourceScheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Adds an asynchronous observer. It must accept the run's experiment and output types;
     * the engine cannot check that at compile time through these options.
     *
     * @param observer the observer
     * @return this builder
     */
    public Builder observer(AsyncObserver<?, ?> observer) {
      this.observers.add(Objects.requireNonNull(observer, "observer"));
      return this;
    }

    /**
     * Starts the run at a saved position: in {@code position.epoch()}, skipping (and closing)
     * the first {@code position.batchesIntoEpoch()} train batches of that epoch, with step
     * numbering continuing from {@code position.trainSteps()} and {@code position.valSteps()}.
     * The experiment passed to the run is the one restored from the same checkpoint.
     *
     * @param position the position, usually from a checkpoint
     * @return this builder
     */
    public Builder resumeFrom(RunPosition position) {
      this.resumeFrom = Objects.requireNonNull(position, "position");
      return this;
    }

    /**
     * Calls {@code hook} on the training thread after every {@code steps} train steps (after
     * that step's {@code onStepEnd} callbacks), with the position to resume from.
     *
     * @param steps the cadence in train steps, at least 1
     * @param hook what saves the checkpoint
     * @return this builder
     */
    public Builder checkpointEvery(long steps, CheckpointHook hook) {
      this.checkpointEvery = positive("checkpointEvery", steps);
      this.checkpointHook = Objects.requireNonNull(hook, "hook");
      return this;
    }

    /**
     * What to do when a batch's features or a step's loss hold NaN or infinity (default
     * {@link NonFinitePolicy#FAIL}): fail, skip the batch (counted in
     * {@link StepResult#skippedBatches()}) or stop early. See {@link NonFinitePolicy} for
     * what is checked and for experiments that update their arrays in place.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder nonFinite(NonFinitePolicy policy) {
      this.nonFinite = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     */
    public TrainOptions build() {
      return new TrainOptions(this);
    }

    private static long positive(String name, long n) {
      if (n < 1) {
        throw new IllegalArgumentException(name + " must be >= 1, was " + n);
      }
      return n;
    }
  }
}
