package io.solstice.spark;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.Metrics;
import io.solstice.spark.internal.LocalRound;
import io.solstice.spark.internal.RoundAggregate;
import io.solstice.spark.internal.RoundBroadcast;
import io.solstice.spark.internal.RoundPlan;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The Spark job of one round, shared by {@link SparkTrainer} and {@link SparkStreamingTrainer}:
 * broadcast the round's message, run each partition's {@link LocalRound}, and bring the
 * results to the driver with {@code treeAggregate}. The broadcast is destroyed when the job
 * ends, whether it succeeded or not.
 */
final class RoundJob {
  private RoundJob() {}

  static <E extends Experiment<E, TensorBatch, M> & Checkpointable<E>, M extends Metrics<M>>
      RoundAggregate run(
          JavaSparkContext spark, SerializableSupplier<E> factory, MetricsCodec<M> codec,
          TrainingShards shards, RoundBroadcast message, RoundPlan plan, int treeDepth) {
    Broadcast<RoundBroadcast> broadcast = spark.broadcast(message);
    try {
      return shards.partitions()
          .mapPartitionsWithIndex(new LocalRound<>(
              factory, shards.opener(), shards.spec(), codec, broadcast, plan), true)
          .treeAggregate(new RoundAggregate(), RoundAggregate::add, RoundAggregate::merge,
              treeDepth);
    } finally {
      broadcast.destroy();
    }
  }
}
