package io.solstice.spark.internal;

import io.solstice.arrow.FeatureSpec;
import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.Metrics;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.spark.MetricsCodec;
import io.solstice.spark.SerializableSupplier;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import reactor.core.publisher.Flux;

/**
 * One partition's share of a round, run on an executor: rebuild the experiment from the
 * broadcast state, run {@code K} train steps through Solstice's engine (one epoch over K
 * batches) on the partition's Arrow batches, and send back the new state, the metrics, the
 * example count and the next position. The {@link RoundPlan} says whether a shard shorter than
 * K batches wraps around (exactly K steps) or ends the partition's round (one pass, for
 * streamed micro-batches), and whether each batch is evaluated before it is trained on
 * (the engine's prequential evaluation, merged over the partition's batches).
 *
 * <p>Deterministic given the broadcast and the partition's data, so a retried task returns
 * the same result. The run's end is quiescent (every batch closed, every file reader released),
 * so the task's allocator is closed right after it, and a leak fails the task.
 *
 * <p>Thread safety: Spark gives each task its own deserialized copy; it keeps no state between
 * calls.
 *
 * @param <E> the experiment type
 * @param <M> the metrics type
 */
public final class LocalRound<E extends Experiment<E, TensorBatch, M> & Checkpointable<E>,
        M extends Metrics<M>>
    implements Function2<Integer, Iterator<Object>, Iterator<PartitionResult>> {
  private static final long serialVersionUID = 1L;

  private final SerializableSupplier<E> factory;
  private final ShardOpener<Object> opener;
  private final SerializableSupplier<FeatureSpec> spec;
  private final MetricsCodec<M> codec;
  private final Broadcast<RoundBroadcast> broadcast;
  private final RoundPlan plan;

  /**
   * A round's task.
   *
   * @param factory builds a fresh experiment on the executor
   * @param opener opens the partition's data
   * @param spec builds the feature spec
   * @param codec ships the metrics
   * @param broadcast the round's broadcast
   * @param plan K, the local steps per partition, and how the shard is read
   */
  public LocalRound(
      SerializableSupplier<E> factory, ShardOpener<Object> opener,
      SerializableSupplier<FeatureSpec> spec, MetricsCodec<M> codec,
      Broadcast<RoundBroadcast> broadcast, RoundPlan plan) {
    this.factory = factory;
    this.opener = opener;
    this.spec = spec;
    this.codec = codec;
    this.broadcast = broadcast;
    this.plan = plan;
  }

  @Override
  public Iterator<PartitionResult> call(Integer partition, Iterator<Object> elements) {
    RoundBroadcast round = broadcast.value();
    long[] start = round.positionOf(partition);
    FeatureSpec features = spec.get();
    Progress<M> progress = new Progress<>();
    E trained;
    boolean exhausted;
    try (BufferAllocator allocator = new RootAllocator();
        OpenShard shard = opener.open(elements, allocator)) {
      E experiment = factory.get().withState(round.stateFor(partition));
      // At most K batches, requested no further than K (take with limitRequest): the source
      // completes instead of being cancelled mid-read.
      Flux<ShardBatch> batches = plan.wrapAround()
          ? wrapAround(shard, start[0], start[1])
          : shard.batches(start[0], start[1]);
      Flux<TensorBatch> source = batches
          .take(plan.steps(), true)
          .map(b -> new PositionedBatch(features.toTensors(b.arrow()), b.fragment(), b.batch()));
      var run = Solstice.run(experiment).train(source).prefetch(2).subscribers(progress);
      trained = (plan.prequential() ? run.prequential(1, 1.0) : run).block();
      exhausted = !plan.wrapAround()
          && (progress.steps < plan.steps()
              || !hasBatchFrom(shard, progress.lastFragment, progress.lastBatch + 1));
    }
    if (progress.examples == 0) {
      return List.of(PartitionResult.empty(partition, start[0], start[1], exhausted)).iterator();
    }
    return List.of(new PartitionResult(
        partition, progress.examples, progress.steps, EncodedState.encode(trained.state()),
        codec.encode(progress.metrics), progress.lastFragment, progress.lastBatch + 1,
        progress.evaluated == null ? null : codec.encode(progress.evaluated), exhausted))
        .iterator();
  }

  /** Whether the shard holds a batch at or after a position (the batch read is closed at once). */
  private static boolean hasBatchFrom(OpenShard shard, long fragment, long batch) {
    Long found = shard.batches(fragment, batch)
        .take(1, true)
        .doOnNext(b -> b.arrow().close())
        .count()
        .block();
    return found != null && found > 0;
  }

  /**
   * The shard from a position to its end, then the whole shard again and again; empty when the
   * shard holds no batch (one empty pass ends it, so an empty partition never spins).
   */
  static Flux<ShardBatch> wrapAround(OpenShard shard, long fragment, long batch) {
    AtomicBoolean sawBatch = new AtomicBoolean();
    Flux<ShardBatch> fromStart = Flux.defer(() -> {
      sawBatch.set(false);
      return shard.batches(0, 0).doOnNext(b -> sawBatch.set(true));
    }).repeat(sawBatch::get);
    if (fragment == 0 && batch == 0) {
      return fromStart;
    }
    return Flux.concat(shard.batches(fragment, batch), fromStart);
  }

  /**
   * Counts examples and remembers the last batch of each step, merges the prequential
   * evaluations of the steps, and takes the epoch's metrics as the engine merged them, on the
   * training thread.
   */
  private static final class Progress<M extends Metrics<M>>
      implements TrainingSubscriber<Object, M> {
    long examples;
    long steps;
    M metrics;
    M evaluated;
    long lastFragment;
    long lastBatch = -1;

    @Override
    public void onEvent(TrainingEvent<Object, M> event) {
      if (event instanceof TrainingEvent.StepEnded<Object, M> step
          && step.batch().get() instanceof PositionedBatch positioned) {
        examples += positioned.rows();
        steps++;
        lastFragment = positioned.fragment();
        lastBatch = positioned.batch();
        if (step.prequential() != null) {
          M batchEvaluation = step.prequential().evaluated();
          evaluated = evaluated == null ? batchEvaluation : evaluated.merge(batchEvaluation);
        }
      } else if (event instanceof TrainingEvent.EpochEnded<Object, M> epoch
          && epoch.mode() == Mode.TRAIN) {
        metrics = epoch.metrics();
      }
    }
  }
}
