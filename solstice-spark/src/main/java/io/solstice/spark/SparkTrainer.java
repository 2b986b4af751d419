package io.solstice.spark;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.NamedArrays;
import io.solstice.core.RunOutcome;
import io.solstice.core.RunPosition;
import io.solstice.core.TensorBatch;
import io.solstice.core.checkpoint.Resumed;
import io.solstice.core.metrics.Metrics;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingException;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.spark.internal.DriverRun;
import io.solstice.spark.internal.EncodedState;
import io.solstice.spark.internal.ExecutorCapacity;
import io.solstice.spark.internal.LocalEvaluation;
import io.solstice.spark.internal.ParameterAveraging;
import io.solstice.spark.internal.PartitionMetrics;
import io.solstice.spark.internal.PartitionResult;
import io.solstice.spark.internal.RoundAggregate;
import io.solstice.spark.internal.RoundBroadcast;
import io.solstice.spark.internal.RoundPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-parallel training of the same {@link Experiment} a user trains locally, on Apache
 * Spark, by rounds of local steps and parameter averaging.
 *
 * <pre>{@code
 * SparkTrainer<MlpClassifier, ClassificationMetrics> trainer =
 *     SparkTrainer.builder(sparkContext, MyJob::newModel, MetricsCodec.classification())
 *         .rounds(30)
 *         .stepsPerRound(4)
 *         .build();
 * TrainingShards shards = TrainingShards.files(sparkContext, paths, MyJob::spec, 64);
 * MlpClassifier trained = trainer.fit(MyJob.newModel(), shards,
 *     LoggingCallback.atEpochEnd().build(), EarlyStopping.monitor("loss").build());
 * }</pre>
 *
 * <h2>A round</h2>
 *
 * <ol>
 *   <li>The driver encodes the experiment's {@link Checkpointable#state() state} as plain Java
 *       arrays (never Java-serialized ND4J arrays) and broadcasts it with each partition's
 *       position in its shard.
 *   <li>Each partition rebuilds the experiment on its executor ({@code experimentFactory}, then
 *       {@code withState}) and runs {@code stepsPerRound} (K) train steps through Solstice's
 *       engine (one epoch over exactly K batches) on its Arrow batches,
 *       continuing where its previous round stopped and wrapping around to the start of its
 *       shard. A partition with no data contributes weight 0 and never holds up the round.
 *   <li>{@code treeAggregate} brings the partitions' states, example counts and metrics to
 *       the driver. Floating-point arrays (parameters and, in {@link OptimizerStateMode#AVERAGED}
 *       mode, optimizer state) are averaged, weighted by examples, summing in double precision
 *       in partition order; integer arrays (counters) come from the first partition with data;
 *       metrics are {@linkplain Metrics#merge merged}.
 * </ol>
 *
 * <p>With K = 1 and plain SGD on a loss that is a mean over the batch, a round equals one
 * large-batch SGD step over the union of the partitions' batches.
 *
 * <h2>Determinism and failures</h2>
 *
 * <p>A round is a function of the broadcast state and the partitions' data: each partition
 * gets its own seed for the round (the experiment's {@code rng/seed} array, when it has one,
 * is replaced by a mix of the seed, the round and the partition index; the driver keeps the
 * original), results are combined in partition order whatever order the tasks finish in, and
 * a task that fails is retried by Spark from the same broadcast. A run with a retried task
 * therefore ends with exactly the same parameters as one without.
 *
 * <h2>Events and subscribers</h2>
 *
 * <p>The driver emits the engine's {@link TrainingEvent}s to synchronous {@link
 * TrainingSubscriber}s (the built-in callbacks and your own), with the engine's rules: every
 * subscriber sees each event, in registration order, on the thread that called {@code fit}.
 * Round {@code r} is train epoch {@code r} holding one step numbered {@code r}: {@code
 * RunStarted}, then per round {@code EpochStarted(r, TRAIN)}, {@code StepStarted(r, TRAIN)},
 * the round, {@code StepEnded} (outputs: the metrics merged across partitions; absent when no
 * partition had data), {@code EpochEnded(r, TRAIN)} with those metrics; then, when validation
 * shards are set and due, a VAL epoch {@code r} with one step (numbered by the validations so
 * far, as the engine numbers val steps) whose outputs are the validation metrics merged across
 * partitions, its {@code EpochEnded} and {@code ValidationEnded}; finally {@code RunEnded}. A
 * {@code CheckpointWritten} follows the event during which a subscriber announced it. The
 * events' positions are those of the engine, a round being one batch: after round {@code r}
 * and its validation, {@code RunPosition(r + 1, 0, r + 1, validations)}. There is no batch on
 * the driver: the {@code batch()} of a step event is never open and its {@code get()} returns
 * null.
 *
 * <p>A subscriber stops the run as in the engine, with {@link
 * io.solstice.reactive.RunControl#stop} or an {@link io.solstice.core.EarlyStoppingException}:
 * from {@code EpochStarted} or {@code StepStarted} the round does not run, from {@code
 * StepEnded} the epoch still ends; no later validation or round runs, and {@code RunEnded}
 * reports {@code STOPPED_EARLY}. A round or a validation that ran is whole (one step over all of
 * its data), so its {@code EpochEnded} is {@code complete()} even when a stop came during it; one
 * that a stop kept from running is not. So an {@link io.solstice.reactive.callbacks.EarlyStopping}
 * counts patience in rounds (or validations), and a {@link
 * io.solstice.reactive.callbacks.CheckpointCallback} with {@code everyEpochs(1)} writes a
 * checkpoint after every round; give it {@link #sourcePosition()} so the checkpoint also
 * records where each partition stands, and resume with {@link #fit(Resumed, TrainingShards,
 * TrainingSubscriber[])}. Any other exception, from a round or a subscriber, ends the run: the
 * subscribers receive {@code RunEnded(FAILED)} and {@code fit} throws a {@link
 * TrainingException} naming the mode, the round and the step.
 *
 * <h2>Cluster capacity</h2>
 *
 * <p>Before its first job a trainer waits until an executor that can run a task has
 * registered ({@link Builder#executorWait}): one with at least {@code spark.task.cpus} cores.
 * When none does, {@code fit} and {@code evaluate} throw an {@link IllegalStateException}
 * naming the settings the cluster cannot meet ({@code spark.task.cpus}, {@code
 * spark.executor.memory}, {@code spark.executor.cores}) before any event is emitted, instead
 * of the job waiting forever. Local masters and dynamic allocation skip the check.
 *
 * <p>Not thread-safe: one {@code fit} at a time per trainer.
 *
 * @param <E> the experiment type
 * @param <M> the metrics type
 */
public final class SparkTrainer<E extends Experiment<E, TensorBatch, M> & Checkpointable<E>,
    M extends Metrics<M>> {

  private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);
  private static final String POSITION_KEY = "partition.";

  private final JavaSparkContext spark;
  private final SerializableSupplier<E> factory;
  private final MetricsCodec<M> codec;
  private final int rounds;
  private final long stepsPerRound;
  private final OptimizerStateMode optimizerStateMode;
  private final String optimizerStatePrefix;
  private final boolean perPartitionSeeds;
  private final int treeDepth;
  private final TrainingShards validation;
  private final int validateEveryRounds;
  private final Duration executorWait;
  private boolean capacityChecked;

  private final Map<Integer, long[]> positions = new TreeMap<>();
  private final Map<Integer, EncodedState> workerState = new HashMap<>();
  private final List<RoundSummary<M>> history = new ArrayList<>();

  private SparkTrainer(Builder<E, M> b) {
    this.spark = b.spark;
    this.factory = b.factory;
    this.codec = b.codec;
    this.rounds = b.rounds;
    this.stepsPerRound = b.stepsPerRound;
    this.optimizerStateMode = b.optimizerStateMode;
    this.optimizerStatePrefix = b.optimizerStatePrefix;
    this.perPartitionSeeds = b.perPartitionSeeds;
    this.treeDepth = b.treeDepth;
    this.validation = b.validation;
    this.validateEveryRounds = b.validateEveryRounds;
    this.executorWait = b.executorWait;
  }

  /**
   * A new builder.
   *
   * @param spark the Spark context the rounds run on
   * @param experimentFactory builds a fresh experiment of the trained shape on each executor
   *     (a serializable lambda or method reference); its state is replaced by the broadcast one
   * @param metrics ships the step outputs from executors to the driver
   * @param <E> the experiment type
   * @param <M> the metrics type
   * @return the builder
   */
  public static <E extends Experiment<E, TensorBatch, M> & Checkpointable<E>,
      M extends Metrics<M>> Builder<E, M> builder(
          JavaSparkContext spark, SerializableSupplier<E> experimentFactory,
          MetricsCodec<M> metrics) {
    return new Builder<>(spark, experimentFactory, metrics);
  }

  /**
   * Trains from a fresh start: rounds {@code 0} to {@code rounds - 1}, every partition
   * starting at the beginning of its shard.
   *
   * @param experiment the experiment to start from (its state is what round 0 broadcasts)
   * @param shards the training data, one worker per partition
   * @param subscribers the driver's synchronous subscribers, in delivery order (see the class
   *     comment)
   * @return the experiment after the last round (after an early stop, the last one run)
   * @throws TrainingException when a round or a subscriber failed, after every subscriber
   *     received {@code RunEnded(FAILED)}
   */
  @SafeVarargs
  public final E fit(
      E experiment, TrainingShards shards,
      TrainingSubscriber<? super E, ? super M>... subscribers) {
    positions.clear();
    workerState.clear();
    return run(experiment, RunPosition.START, shards, List.of(subscribers));
  }

  /**
   * Continues a run restored from a checkpoint written by a
   * {@link io.solstice.reactive.callbacks.CheckpointCallback} (with {@code everyEpochs(1)} and
   * {@link #sourcePosition()}): starts at the first round the checkpoint's position had not
   * finished training (a position inside round {@code r}, whose training is done but whose
   * validation is not, continues with round {@code r + 1}), with each partition at its
   * recorded position. In {@link OptimizerStateMode#PER_WORKER} mode the workers restart from
   * the checkpoint's averaged optimizer state.
   *
   * @param resumed what {@code CheckpointCallback.resume(fresh)} returned
   * @param shards the same training data as the interrupted run
   * @param subscribers the driver's synchronous subscribers
   * @return the experiment after the last round
   * @throws TrainingException when a round or a subscriber failed
   */
  @SafeVarargs
  public final E fit(
      Resumed<E> resumed, TrainingShards shards,
      TrainingSubscriber<? super E, ? super M>... subscribers) {
    positions.clear();
    workerState.clear();
    resumed.sourcePosition().forEach((key, value) -> {
      if (key.startsWith(POSITION_KEY) && value instanceof List<?> pair && pair.size() == 2) {
        int partition = Integer.parseInt(key.substring(POSITION_KEY.length()));
        positions.put(partition, new long[] {
            ((Number) pair.get(0)).longValue(), ((Number) pair.get(1)).longValue()});
      }
    });
    RunPosition at = resumed.position();
    int round = at.epoch() + (at.batchesIntoEpoch() > 0 ? 1 : 0);
    return run(resumed.experiment(), new RunPosition(round, 0, round, at.valSteps()), shards,
        List.of(subscribers));
  }

  /**
   * Where each partition's next round starts, for
   * {@link io.solstice.reactive.callbacks.CheckpointCallback.Builder#sourcePosition}: keys
   * {@code partition.<i>}, values {@code [fileIndex, batchIndex]}.
   *
   * @return a supplier of the current positions
   */
  public Supplier<Map<String, Object>> sourcePosition() {
    return () -> {
      Map<String, Object> out = new LinkedHashMap<>();
      positions.forEach((partition, at) -> out.put(POSITION_KEY + partition, List.of(at[0], at[1])));
      return out;
    };
  }

  /**
   * The rounds of the last {@code fit}, in order.
   *
   * @return the summaries
   */
  public List<RoundSummary<M>> history() {
    return List.copyOf(history);
  }

  /**
   * Evaluates an experiment on every partition of a data set (one pass over each shard through
   * Solstice's engine) and merges the metrics in partition order.
   *
   * @param experiment the experiment to evaluate (its state is broadcast)
   * @param shards the data
   * @return the merged metrics, or null when every partition is empty
   */
  public M evaluate(E experiment, TrainingShards shards) {
    awaitCapacity();
    Broadcast<EncodedState> state = spark.broadcast(EncodedState.encode(experiment.state()));
    try {
      List<PartitionMetrics> parts = shards.partitions()
          .mapPartitionsWithIndex(
              new LocalEvaluation<>(factory, shards.opener(), shards.spec(), codec, state), true)
          .collect();
      M merged = null;
      List<PartitionMetrics> ordered = new ArrayList<>(parts);
      ordered.sort(Comparator.comparingInt(PartitionMetrics::partition));
      for (PartitionMetrics part : ordered) {
        M metrics = codec.decode(part.metrics());
        merged = merged == null ? metrics : merged.merge(metrics);
      }
      return merged;
    } finally {
      state.destroy();
    }
  }

  private E run(
      E start, RunPosition from, TrainingShards shards,
      List<TrainingSubscriber<? super E, ? super M>> subscribers) {
    Objects.requireNonNull(start, "experiment");
    Objects.requireNonNull(shards, "shards");
    awaitCapacity();
    history.clear();
    Driver driver = new Driver(new DriverRun<>(subscribers), start, from);
    try {
      driver.deliver(new TrainingEvent.RunStarted<>(driver.run, start, from));
      for (int round = from.epoch(); round < rounds && !driver.run.isStopping(); round++) {
        oneRound(driver, round, shards);
      }
    } catch (Exception | Error e) {
      TrainingException failure = e instanceof TrainingException t
          ? t
          : new TrainingException(driver.mode, driver.epoch, driver.stepNumber(), e);
      Throwable subscriberError = driver.run.runEnded(driver.runEnded(RunOutcome.failed(failure)));
      if (subscriberError != null) {
        failure.addSuppressed(subscriberError);
      }
      throw failure;
    }
    Throwable subscriberError = driver.run.runEnded(driver.runEnded(driver.run.isStopping()
        ? RunOutcome.stoppedEarly(driver.run.stopReason()) : RunOutcome.COMPLETED));
    if (subscriberError != null) {
      throw new TrainingException(driver.mode, driver.epoch, driver.stepNumber(), subscriberError);
    }
    return driver.experiment;
  }

  private void awaitCapacity() {
    if (capacityChecked) {
      return;
    }
    try {
      ExecutorCapacity.await(spark.sc(), executorWait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for executors", e);
    }
    capacityChecked = true;
  }

  private void oneRound(Driver driver, int round, TrainingShards shards) throws Exception {
    boolean validate = validation != null && (round + 1) % validateEveryRounds == 0;
    epoch(driver, Mode.TRAIN, round, validate, () -> {
      long started = System.nanoTime();
      RoundOutcome outcome = trainRound(driver.experiment, round, shards);
      driver.experiment = outcome.experiment;
      RoundSummary<M> summary = new RoundSummary<>(round, outcome.examples, outcome.partitions,
          outcome.metrics, Duration.ofNanos(System.nanoTime() - started));
      history.add(summary);
      LOG.debug("round {}: {} examples from {} partitions in {}", round, summary.examples(),
          summary.contributingPartitions(), summary.duration());
      return outcome.metrics;
    });
    if (validate && !driver.run.isStopping()) {
      TrainingEvent.EpochEnded<E, M> ended =
          epoch(driver, Mode.VAL, round, false, () -> evaluate(driver.experiment, validation));
      driver.deliver(new TrainingEvent.ValidationEnded<>(driver.run, driver.experiment, round,
          ended.position(), ended.steps(), ended.metrics(), ended.values(), ended.complete()));
      driver.mode = Mode.TRAIN;
    }
  }

  /**
   * One epoch of one step on the driver, with its events: a round (TRAIN) or a validation
   * (VAL). The step returns the merged metrics, or null when no partition had data (then no
   * {@code StepEnded}).
   */
  private TrainingEvent.EpochEnded<E, M> epoch(Driver driver, Mode mode, int round,
      boolean validationDue, Callable<M> step) throws Exception {
    driver.enter(mode, round);
    driver.deliver(new TrainingEvent.EpochStarted<>(driver.run, driver.experiment, round, mode));
    if (!driver.run.isStopping()) {
      driver.deliver(new TrainingEvent.StepStarted<>(driver.run, driver.experiment, round,
          driver.stepNumber(), mode, DriverRun.NO_BATCH));
    }
    M metrics = null;
    // A round is one step over all of its data: once it runs, its metrics cover the whole epoch,
    // whatever a stop asks meanwhile.
    boolean ran = false;
    if (!driver.run.isStopping()) {
      ran = true;
      long number = driver.stepNumber();
      long started = System.nanoTime();
      metrics = step.call();
      long nanos = System.nanoTime() - started;
      driver.countStep();
      if (metrics != null) {
        driver.deliver(new TrainingEvent.StepEnded<>(driver.run, driver.experiment, metrics,
            mode, round, number, driver.position(), null, 0,
            new TrainingEvent.Timings(0, nanos, 0), DriverRun.NO_BATCH));
      }
    }
    // As in the engine: a train epoch is complete once its due validation is too.
    driver.epochComplete = mode == Mode.VAL || (!driver.run.isStopping() && !validationDue);
    TrainingEvent.EpochEnded<E, M> ended = epochEnded(driver, round, mode, metrics, ran);
    driver.deliver(ended);
    return ended;
  }

  private TrainingEvent.EpochEnded<E, M> epochEnded(
      Driver driver, int round, Mode mode, M metrics, boolean complete) {
    return new TrainingEvent.EpochEnded<>(driver.run, driver.experiment, round, mode,
        metrics == null ? 0 : 1, metrics, metrics == null ? Map.of() : metrics.compute(),
        driver.position(), complete);
  }

  /**
   * Where one {@code fit} stands: its control and subscribers, the current experiment, mode and
   * round, and the counters of its positions (the engine's, a round being one batch).
   */
  private final class Driver {
    final DriverRun<E, M> run;
    E experiment;
    Mode mode = Mode.TRAIN;
    int epoch;
    long batchesIntoEpoch;
    long trainSteps;
    long valSteps;
    boolean epochComplete;

    Driver(DriverRun<E, M> run, E experiment, RunPosition from) {
      this.run = run;
      this.experiment = experiment;
      this.epoch = from.epoch();
      this.trainSteps = from.trainSteps();
      this.valSteps = from.valSteps();
    }

    void enter(Mode entered, int round) {
      mode = entered;
      epoch = round;
      if (entered == Mode.TRAIN) {
        batchesIntoEpoch = 0;
        epochComplete = false;
      }
    }

    void deliver(TrainingEvent<E, M> event) throws Exception {
      run.deliver(event);
    }

    long stepNumber() {
      return mode == Mode.VAL ? valSteps : trainSteps;
    }

    void countStep() {
      if (mode == Mode.VAL) {
        valSteps++;
      } else {
        trainSteps++;
        batchesIntoEpoch = 1;
      }
    }

    RunPosition position() {
      return epochComplete
          ? new RunPosition(epoch + 1, 0, trainSteps, valSteps)
          : new RunPosition(epoch, batchesIntoEpoch, trainSteps, valSteps);
    }

    TrainingEvent.RunEnded<E, M> runEnded(RunOutcome outcome) {
      return new TrainingEvent.RunEnded<>(run, experiment, outcome, position());
    }
  }

  /** The driver's result of one round. */
  private final class RoundOutcome {
    E experiment;
    long examples;
    int partitions;
    M metrics;
  }

  private RoundOutcome trainRound(E experiment, int round, TrainingShards shards) {
    EncodedState state = EncodedState.encode(experiment.state());
    RoundBroadcast message = new RoundBroadcast(
        round, state, new HashMap<>(positions), new HashMap<>(workerState), perPartitionSeeds);
    RoundAggregate aggregate = RoundJob.run(
        spark, factory, codec, shards, message, RoundPlan.repeating(stepsPerRound), treeDepth);
    RoundOutcome outcome = new RoundOutcome();
    NamedArrays averaged = ParameterAveraging.average(
        state, aggregate.inPartitionOrder(), Set.of(RoundBroadcast.SEED));
    for (PartitionResult result : aggregate.inPartitionOrder()) {
      positions.put(result.partition(), new long[] {result.nextFragment(), result.nextBatch()});
      if (result.examples() == 0) {
        continue;
      }
      outcome.examples += result.examples();
      outcome.partitions++;
      M metrics = codec.decode(result.metrics());
      outcome.metrics = outcome.metrics == null ? metrics : outcome.metrics.merge(metrics);
      if (optimizerStateMode == OptimizerStateMode.PER_WORKER) {
        workerState.put(result.partition(), optimizerArrays(result.state()));
      }
    }
    if (outcome.partitions == 0) {
      LOG.warn("round {}: no partition had data; the experiment is unchanged", round);
    }
    outcome.experiment = experiment.withState(averaged);
    return outcome;
  }

  private EncodedState optimizerArrays(EncodedState state) {
    LinkedHashMap<String, INDArray> own = new LinkedHashMap<>();
    state.decode().asMap().forEach((name, array) -> {
      if (name.startsWith(optimizerStatePrefix)) {
        own.put(name, array);
      }
    });
    return EncodedState.encode(NamedArrays.of(own));
  }

  /**
   * Configures a {@link SparkTrainer}.
   *
   * @param <E> the experiment type
   * @param <M> the metrics type
   */
  public static final class Builder<E extends Experiment<E, TensorBatch, M> & Checkpointable<E>,
      M extends Metrics<M>> {
    private final JavaSparkContext spark;
    private final SerializableSupplier<E> factory;
    private final MetricsCodec<M> codec;
    private int rounds = 10;
    private long stepsPerRound = 1;
    private OptimizerStateMode optimizerStateMode = OptimizerStateMode.AVERAGED;
    private String optimizerStatePrefix = "updater/";
    private boolean perPartitionSeeds = true;
    private int treeDepth = 2;
    private TrainingShards validation;
    private int validateEveryRounds = 1;
    private Duration executorWait = Duration.ofMinutes(2);

    private Builder(JavaSparkContext spark, SerializableSupplier<E> factory, MetricsCodec<M> codec) {
      this.spark = Objects.requireNonNull(spark, "spark");
      this.factory = Objects.requireNonNull(factory, "experimentFactory");
      this.codec = Objects.requireNonNull(codec, "metrics");
    }

    /**
     * The total number of rounds (default 10). A resumed run stops at the same total.
     *
     * @param n at least 0
     * @return this builder
     */
    public Builder<E, M> rounds(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("rounds must be >= 0, got " + n);
      }
      this.rounds = n;
      return this;
    }

    /**
     * K, the local train steps each partition runs per round (default 1). Larger K means
     * fewer rounds (less Spark overhead) but workers drift further apart between averages.
     *
     * @param k at least 1
     * @return this builder
     */
    public Builder<E, M> stepsPerRound(long k) {
      if (k < 1) {
        throw new IllegalArgumentException("stepsPerRound must be >= 1, got " + k);
      }
      this.stepsPerRound = k;
      return this;
    }

    /**
     * What happens to the optimizer state between rounds (default
     * {@link OptimizerStateMode#AVERAGED}).
     *
     * @param mode the mode
     * @return this builder
     */
    public Builder<E, M> optimizerState(OptimizerStateMode mode) {
      this.optimizerStateMode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * The name prefix of the optimizer-state arrays (default {@code updater/}, as written by
     * Solstice's {@code Optimizer}); used by {@link OptimizerStateMode#PER_WORKER}.
     *
     * @param prefix the prefix
     * @return this builder
     */
    public Builder<E, M> optimizerStatePrefix(String prefix) {
      this.optimizerStatePrefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /**
     * Whether each partition gets its own seed each round (default true), so that dropout
     * masks and other random draws differ across workers. Without it every partition draws
     * the same numbers.
     *
     * @param enabled true to derive per-partition seeds
     * @return this builder
     */
    public Builder<E, M> perPartitionSeeds(boolean enabled) {
      this.perPartitionSeeds = enabled;
      return this;
    }

    /**
     * The depth of {@code treeAggregate} (default 2): more levels relieve the driver when
     * there are many partitions.
     *
     * @param depth at least 1
     * @return this builder
     */
    public Builder<E, M> treeDepth(int depth) {
      if (depth < 1) {
        throw new IllegalArgumentException("treeDepth must be >= 1, got " + depth);
      }
      this.treeDepth = depth;
      return this;
    }

    /**
     * Validation data, evaluated on the cluster after every {@code everyRounds} rounds; the
     * merged metrics reach the subscribers as a VAL step.
     *
     * @param shards the validation data
     * @param everyRounds at least 1
     * @return this builder
     */
    public Builder<E, M> validation(TrainingShards shards, int everyRounds) {
      if (everyRounds < 1) {
        throw new IllegalArgumentException("everyRounds must be >= 1, got " + everyRounds);
      }
      this.validation = Objects.requireNonNull(shards, "shards");
      this.validateEveryRounds = everyRounds;
      return this;
    }

    /**
     * How long the first {@code fit} or {@code evaluate} waits for an executor able to run a
     * task (default 2 minutes) before it fails, naming the settings the cluster cannot meet.
     *
     * @param wait a positive duration
     * @return this builder
     */
    public Builder<E, M> executorWait(Duration wait) {
      if (wait.isNegative() || wait.isZero()) {
        throw new IllegalArgumentException("executorWait must be positive, got " + wait);
      }
      this.executorWait = wait;
      return this;
    }

    /**
     * The trainer.
     *
     * @return the configured trainer
     */
    public SparkTrainer<E, M> build() {
      return new SparkTrainer<>(this);
    }
  }
}
