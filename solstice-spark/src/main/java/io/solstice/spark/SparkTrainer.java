package io.solstice.spark;

import io.solstice.core.Callback;
import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.NamedArrays;
import io.solstice.core.RunOutcome;
import io.solstice.core.TensorBatch;
import io.solstice.core.checkpoint.Resumed;
import io.solstice.core.metrics.Metrics;
import io.solstice.spark.internal.DriverHooks;
import io.solstice.spark.internal.EncodedState;
import io.solstice.spark.internal.LocalEvaluation;
import io.solstice.spark.internal.LocalRound;
import io.solstice.spark.internal.ParameterAveraging;
import io.solstice.spark.internal.PartitionMetrics;
import io.solstice.spark.internal.PartitionResult;
import io.solstice.spark.internal.RoundAggregate;
import io.solstice.spark.internal.RoundBroadcast;
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
 * MlpClassifier trained = trainer.fit(MyJob.newModel(), shards, List.of(logger));
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
 *       engine ({@code Solstice.train} with {@code maxSteps(K)}) on its Arrow batches,
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
 * <h2>Callbacks</h2>
 *
 * <p>Callbacks run on the driver. Round {@code r} is train epoch {@code r} holding one step
 * numbered {@code r}: {@code onEpochStart(r, TRAIN)}, {@code onStepStart(r, TRAIN)}, the round,
 * {@code onStepEnd(mergedMetrics, r, TRAIN)}, {@code onEpochEnd(r, TRAIN)}; then, when
 * validation shards are set and due, one VAL epoch {@code r} with one step {@code r} whose
 * outputs are the validation metrics merged across partitions. The batch argument of the step
 * hooks is {@code null} (there is no single batch on the driver). {@code onRunEnd} ends every
 * run. An {@link io.solstice.core.EarlyStoppingException} from any hook stops the run as in the
 * local engine: the remaining callbacks of that hook run, the round's epoch is ended, no later
 * round runs, and {@code onRunEnd} receives {@code STOPPED_EARLY}. So an
 * {@link io.solstice.reactive.callbacks.EarlyStopping} callback counts patience in rounds, and a
 * {@link io.solstice.reactive.callbacks.CheckpointCallback} with {@code everyEpochs(1)} writes a
 * checkpoint after every round; give it {@link #sourcePosition()} so the checkpoint also
 * records where each partition stands, and resume with {@link #fit(Resumed, TrainingShards,
 * List)}.
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
   * @param callbacks driver-side callbacks, called in list order (see the class comment)
   * @return the experiment after the last round (after an early stop, the last one run)
   * @throws RuntimeException the first error of a round or a callback, after every callback's
   *     {@code onRunEnd} received {@code FAILED}
   */
  public E fit(
      E experiment, TrainingShards shards,
      List<? extends Callback<? super E, ? super TensorBatch, ? super M>> callbacks) {
    positions.clear();
    workerState.clear();
    return run(experiment, 0, shards, callbacks);
  }

  /**
   * Continues a run restored from a checkpoint written by a
   * {@link io.solstice.reactive.callbacks.CheckpointCallback} (with {@code everyEpochs(1)} and
   * {@link #sourcePosition()}): starts at the round after the checkpointed one, with each
   * partition at its recorded position. In {@link OptimizerStateMode#PER_WORKER} mode the
   * workers restart from the checkpoint's averaged optimizer state.
   *
   * @param resumed what {@code CheckpointCallback.resume(fresh)} returned
   * @param shards the same training data as the interrupted run
   * @param callbacks driver-side callbacks
   * @return the experiment after the last round
   */
  public E fit(
      Resumed<E> resumed, TrainingShards shards,
      List<? extends Callback<? super E, ? super TensorBatch, ? super M>> callbacks) {
    positions.clear();
    workerState.clear();
    resumed.sourcePosition().forEach((key, value) -> {
      if (key.startsWith(POSITION_KEY) && value instanceof List<?> pair && pair.size() == 2) {
        int partition = Integer.parseInt(key.substring(POSITION_KEY.length()));
        positions.put(partition, new long[] {
            ((Number) pair.get(0)).longValue(), ((Number) pair.get(1)).longValue()});
      }
    });
    return run(resumed.experiment(), resumed.position().epoch(), shards, callbacks);
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
      E start, int firstRound, TrainingShards shards,
      List<? extends Callback<? super E, ? super TensorBatch, ? super M>> callbacks) {
    Objects.requireNonNull(start, "experiment");
    Objects.requireNonNull(shards, "shards");
    history.clear();
    DriverHooks<E, TensorBatch, M> hooks = new DriverHooks<>(callbacks);
    E experiment = start;
    try {
      for (int round = firstRound; round < rounds && !hooks.stopped(); round++) {
        experiment = oneRound(experiment, round, shards, hooks);
      }
    } catch (RuntimeException | Error e) {
      try {
        hooks.runEnd(experiment, RunOutcome.failed(e));
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    hooks.runEnd(experiment, hooks.stopped()
        ? RunOutcome.stoppedEarly(hooks.stopReason()) : RunOutcome.COMPLETED);
    return experiment;
  }

  private E oneRound(E experiment, int round, TrainingShards shards,
      DriverHooks<E, TensorBatch, M> hooks) {
    hooks.epochStart(experiment, round, Mode.TRAIN);
    if (!hooks.stopped()) {
      hooks.stepStart(experiment, round, Mode.TRAIN);
    }
    if (!hooks.stopped()) {
      long started = System.nanoTime();
      RoundOutcome outcome = trainRound(experiment, round, shards);
      experiment = outcome.experiment;
      RoundSummary<M> summary = new RoundSummary<>(round, outcome.examples, outcome.partitions,
          outcome.metrics, Duration.ofNanos(System.nanoTime() - started));
      history.add(summary);
      LOG.debug("round {}: {} examples from {} partitions in {}", round, summary.examples(),
          summary.contributingPartitions(), summary.duration());
      if (outcome.metrics != null) {
        hooks.stepEnd(outcome.metrics, experiment, round, Mode.TRAIN);
      }
    }
    hooks.epochEnd(experiment, round, Mode.TRAIN);
    if (!hooks.stopped() && validation != null && (round + 1) % validateEveryRounds == 0) {
      hooks.epochStart(experiment, round, Mode.VAL);
      if (!hooks.stopped()) {
        hooks.stepStart(experiment, round, Mode.VAL);
      }
      if (!hooks.stopped()) {
        M metrics = evaluate(experiment, validation);
        if (metrics != null) {
          hooks.stepEnd(metrics, experiment, round, Mode.VAL);
        }
      }
      hooks.epochEnd(experiment, round, Mode.VAL);
    }
    return experiment;
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
    Broadcast<RoundBroadcast> broadcast = spark.broadcast(message);
    RoundAggregate aggregate;
    try {
      aggregate = shards.partitions()
          .mapPartitionsWithIndex(new LocalRound<>(
              factory, shards.opener(), shards.spec(), codec, broadcast, stepsPerRound), true)
          .treeAggregate(new RoundAggregate(), RoundAggregate::add, RoundAggregate::merge,
              treeDepth);
    } finally {
      broadcast.destroy();
    }
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
     * merged metrics reach the callbacks as a VAL step.
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
     * The trainer.
     *
     * @return the configured trainer
     */
    public SparkTrainer<E, M> build() {
      return new SparkTrainer<>(this);
    }
  }
}
