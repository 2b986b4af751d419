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
 * broadcast state, run {@code K} train steps through Solstice's engine (one epoch over exactly
 * K batches) on the partition's
 * Arrow batches (wrapping around a shard shorter than {@code K} batches), and send back the
 * new state, the metrics, the example count and the next position.
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
  private final long steps;

  /**
   * A round's task.
   *
   * @param factory builds a fresh experiment on the executor
   * @param opener opens the partition's data
   * @param spec builds the feature spec
   * @param codec ships the metrics
   * @param broadcast the round's broadcast
   * @param steps K, the local steps per partition
   */
  public LocalRound(
      SerializableSupplier<E> factory, ShardOpener<Object> opener,
      SerializableSupplier<FeatureSpec> spec, MetricsCodec<M> codec,
      Broadcast<RoundBroadcast> broadcast, long steps) {
    this.factory = factory;
    this.opener = opener;
    this.spec = spec;
    this.codec = codec;
    this.broadcast = broadcast;
    this.steps = steps;
  }

  @Override
  public Iterator<PartitionResult> call(Integer partition, Iterator<Object> elements) {
    RoundBroadcast round = broadcast.value();
    long[] start = round.positionOf(partition);
    FeatureSpec features = spec.get();
    Progress<M> progress = new Progress<>();
    E trained;
    try (BufferAllocator allocator = new RootAllocator();
        OpenShard shard = opener.open(elements, allocator)) {
      E experiment = factory.get().withState(round.stateFor(partition));
      // Exactly K batches, requested no further than K (take with limitRequest): the source
      // completes instead of being cancelled mid-read.
      Flux<TensorBatch> source = wrapAround(shard, start[0], start[1])
          .take(steps, true)
          .map(b -> new PositionedBatch(features.toTensors(b.arrow()), b.fragment(), b.batch()));
      trained = Solstice.run(experiment).train(source).prefetch(2).subscribers(progress).block();
    }
    if (progress.examples == 0) {
      return List.of(PartitionResult.empty(partition, start[0], start[1])).iterator();
    }
    return List.of(new PartitionResult(
        partition, progress.examples, progress.steps, EncodedState.encode(trained.state()),
        codec.encode(progress.metrics), progress.lastFragment, progress.lastBatch + 1))
        .iterator();
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
   * Counts examples and remembers the last batch of each step, and takes the epoch's metrics as
   * the engine merged them, on the training thread.
   */
  private static final class Progress<M extends Metrics<M>>
      implements TrainingSubscriber<Object, M> {
    long examples;
    long steps;
    M metrics;
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
      } else if (event instanceof TrainingEvent.EpochEnded<Object, M> epoch
          && epoch.mode() == Mode.TRAIN) {
        metrics = epoch.metrics();
      }
    }
  }
}
