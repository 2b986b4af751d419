package io.solstice.spark.internal;

import io.solstice.arrow.FeatureSpec;
import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.Metrics;
import io.solstice.reactive.Solstice;
import io.solstice.spark.MetricsCodec;
import io.solstice.spark.SerializableSupplier;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import reactor.core.publisher.Flux;

/**
 * Evaluates the broadcast experiment on one partition's whole shard (one TEST run of Solstice's
 * engine, its metrics merged by the engine's reduce) and returns the partition index and its
 * encoded metrics, or no element for an empty partition. The allocator is closed right after
 * the run, whose end is quiescent.
 *
 * <p>Thread safety: Spark gives each task its own deserialized copy; it keeps no state between
 * calls.
 *
 * @param <E> the experiment type
 * @param <M> the metrics type
 */
public final class LocalEvaluation<E extends Experiment<E, TensorBatch, M> & Checkpointable<E>,
        M extends Metrics<M>>
    implements Function2<Integer, Iterator<Object>, Iterator<PartitionMetrics>> {
  private static final long serialVersionUID = 1L;

  private final SerializableSupplier<E> factory;
  private final ShardOpener<Object> opener;
  private final SerializableSupplier<FeatureSpec> spec;
  private final MetricsCodec<M> codec;
  private final Broadcast<EncodedState> state;

  /**
   * An evaluation task.
   *
   * @param factory builds a fresh experiment
   * @param opener opens the partition's data
   * @param spec builds the feature spec
   * @param codec ships the metrics
   * @param state the experiment state to evaluate
   */
  public LocalEvaluation(
      SerializableSupplier<E> factory, ShardOpener<Object> opener,
      SerializableSupplier<FeatureSpec> spec, MetricsCodec<M> codec,
      Broadcast<EncodedState> state) {
    this.factory = factory;
    this.opener = opener;
    this.spec = spec;
    this.codec = codec;
    this.state = state;
  }

  @Override
  public Iterator<PartitionMetrics> call(Integer partition, Iterator<Object> elements) {
    FeatureSpec features = spec.get();
    M metrics;
    try (BufferAllocator allocator = new RootAllocator();
        OpenShard shard = opener.open(elements, allocator)) {
      E experiment = factory.get().withState(state.value().decode());
      Flux<TensorBatch> source = shard.batches(0, 0)
          .map(b -> new PositionedBatch(features.toTensors(b.arrow()), b.fragment(), b.batch()));
      metrics = Solstice.run(experiment).test(source).metrics().block();
    }
    if (metrics == null) {
      return List.<PartitionMetrics>of().iterator();
    }
    Serializable encoded = codec.encode(metrics);
    return List.of(new PartitionMetrics(partition, encoded)).iterator();
  }
}
