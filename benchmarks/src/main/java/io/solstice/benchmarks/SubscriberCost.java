package io.solstice.benchmarks;

import io.solstice.benchmarks.internal.Interleaved;
import io.solstice.benchmarks.internal.Json;
import io.solstice.benchmarks.internal.Models;
import io.solstice.benchmarks.internal.Summary;
import io.solstice.benchmarks.internal.SyntheticMnist;
import io.solstice.benchmarks.internal.TrainingThreadCpu;
import io.solstice.core.TensorBatch;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.AsyncSubscriber;
import io.solstice.reactive.TrainingSubscriber;
import java.util.ArrayList;
import java.util.List;

/**
 * What subscribers cost a run of MLP 784-256-10 at batch 128 (float32, Adam; the model and
 * batches of {@link TrainOverhead}): runs with subscribers against the same runs without,
 * interleaved, {@value #EPOCHS} epochs of 80 steps per run, samples per second of wall time
 * (the headline ratio) and per second of the training thread's CPU time (see {@link
 * TrainingThreadCpu}).
 *
 * <ul>
 *   <li>{@link #synchronous}: ten trivial synchronous subscribers (each counts the events it
 *       sees), which run on the training thread for every event;
 *   <li>{@link #slowAsynchronous}: one asynchronous subscriber that sleeps 50 ms per event
 *       behind a drop-oldest buffer of {@value #ASYNC_BUFFER} events; it must not slow the
 *       run, and drops what it cannot keep up with (reported per run).
 * </ul>
 */
public final class SubscriberCost {

  /** Epochs per run: long enough runs that a per-step cost is not lost in per-run noise. */
  static final int EPOCHS = 4;

  /** Synchronous subscribers in the first comparison. */
  static final int SYNC_SUBSCRIBERS = 10;

  /** The slow subscriber's sleep per event. */
  static final long SLOW_MILLIS = 50;

  /** The slow subscriber's drop-oldest buffer, in events. */
  static final int ASYNC_BUFFER = 16;

  private SubscriberCost() {}

  /**
   * Ten trivial synchronous subscribers against none.
   *
   * @param config sizes and pair counts
   * @return {@code ten_sync_subscribers_vs_none} and the details
   */
  public static Json.Obj synchronous(BenchConfig config) {
    List<TensorBatch> batches = batches(config);
    double samples = (double) EPOCHS * batches.size() * TrainOverhead.BATCH;
    long[] seen = new long[SYNC_SUBSCRIBERS];
    List<TrainingSubscriber<Object, Object>> counters = new ArrayList<>();
    for (int i = 0; i < SYNC_SUBSCRIBERS; i++) {
      int own = i;
      counters.add(event -> seen[own]++);
    }
    @SuppressWarnings("unchecked")
    TrainingSubscriber<Object, Object>[] subscribers = counters.toArray(new TrainingSubscriber[0]);
    MlpClassifier[] with = {Models.mlp(SyntheticMnist.FEATURES, 256, 10)};
    MlpClassifier[] without = {Models.mlp(SyntheticMnist.FEATURES, 256, 10)};
    int runs = config.warmupPairs() + config.pairs();
    TrainingThreadCpu cpuWith = new TrainingThreadCpu();
    TrainingThreadCpu cpuWithout = new TrainingThreadCpu();
    Interleaved.Comparison comparison = Interleaved.compare(config.warmupPairs(), config.pairs(),
        cpuWith.throughput(samples, () -> with[0] = Models.engineEpochs(with[0], batches, EPOCHS,
            run -> run.stepThreadFactory(cpuWith).subscribers(subscribers))),
        cpuWithout.throughput(samples, () -> without[0] = Models.engineEpochs(without[0], batches,
            EPOCHS, run -> run.stepThreadFactory(cpuWithout))));
    Summary cpuRatio = TrainingThreadCpu.ratio(cpuWith, cpuWithout, config.pairs());
    return Json.obj()
        .put("model", "MlpClassifier 784-256-10, Adam(1e-3), float32")
        .put("batch", TrainOverhead.BATCH)
        .put("batches_per_epoch", batches.size())
        .put("subscribers", SYNC_SUBSCRIBERS + " synchronous subscribers, each counting events")
        .put("epochs_per_run", EPOCHS)
        .put("events_seen_per_subscriber_per_run", seen[0] / (double) runs)
        .put("comparison", comparison.toJson(
            "engine run with " + SYNC_SUBSCRIBERS + " synchronous subscribers",
            "the same run without subscribers", "samples_per_s"))
        .put("training_thread_cpu_ratio", cpuRatio.toJson())
        .put("ten_sync_subscribers_vs_none_cpu", cpuRatio.median())
        .put("ten_sync_subscribers_vs_none", comparison.ratio().median());
  }

  /**
   * One asynchronous subscriber sleeping 50 ms per event against none.
   *
   * @param config sizes and pair counts
   * @return {@code slow_async_subscriber_vs_none}, {@code slow_async_subscriber_dropped_per_run}
   *     and the details
   */
  public static Json.Obj slowAsynchronous(BenchConfig config) {
    List<TensorBatch> batches = batches(config);
    double samples = (double) EPOCHS * batches.size() * TrainOverhead.BATCH;
    MlpClassifier[] with = {Models.mlp(SyntheticMnist.FEATURES, 256, 10)};
    MlpClassifier[] without = {Models.mlp(SyntheticMnist.FEATURES, 256, 10)};
    List<Double> dropped = new ArrayList<>();
    List<Double> delivered = new ArrayList<>();
    TrainingThreadCpu cpuWith = new TrainingThreadCpu();
    TrainingThreadCpu cpuWithout = new TrainingThreadCpu();
    Interleaved.Comparison comparison = Interleaved.compare(config.warmupPairs(), config.pairs(),
        () -> {
          // One subscriber per run, so that its counters are this run's.
          AsyncSubscriber<Object, Object> slow = AsyncSubscriber.dropOldest(ASYNC_BUFFER,
              events -> events.doOnNext(event -> sleep(SLOW_MILLIS)));
          double throughput = cpuWith.throughput(samples, () -> with[0] = Models.engineEpochs(
              with[0], batches, EPOCHS,
              run -> run.stepThreadFactory(cpuWith).asyncSubscribers(slow))).getAsDouble();
          // The run has emitted its last event: nothing more can be dropped.
          dropped.add((double) slow.dropped());
          delivered.add((double) slow.delivered());
          return throughput;
        },
        cpuWithout.throughput(samples, () -> without[0] = Models.engineEpochs(without[0], batches,
            EPOCHS, run -> run.stepThreadFactory(cpuWithout))));
    Summary cpuRatio = TrainingThreadCpu.ratio(cpuWith, cpuWithout, config.pairs());
    int measured = config.pairs();
    Summary droppedPerRun = Summary.of(last(dropped, measured));
    return Json.obj()
        .put("model", "MlpClassifier 784-256-10, Adam(1e-3), float32")
        .put("batch", TrainOverhead.BATCH)
        .put("batches_per_epoch", batches.size())
        .put("subscriber", "AsyncSubscriber.dropOldest(" + ASYNC_BUFFER + ", events -> events"
            + ".doOnNext(sleep " + SLOW_MILLIS + " ms))")
        .put("epochs_per_run", EPOCHS)
        .put("events_per_run", EPOCHS * (2L * batches.size() + 2) + 2)
        .put("dropped_per_run", droppedPerRun.toJson())
        .put("delivered_by_run_end", Summary.of(last(delivered, measured)).toJson())
        .put("comparison", comparison.toJson(
            "engine run with the slow asynchronous subscriber",
            "the same run without it", "samples_per_s"))
        .put("training_thread_cpu_ratio", cpuRatio.toJson())
        .put("slow_async_subscriber_vs_none_cpu", cpuRatio.median())
        .put("slow_async_subscriber_dropped_per_run", droppedPerRun.median())
        .put("slow_async_subscriber_vs_none", comparison.ratio().median());
  }

  private static List<TensorBatch> batches(BenchConfig config) {
    return SyntheticMnist.generate(config.trainRows(), 1, 7).batches(TrainOverhead.BATCH);
  }

  private static double[] last(List<Double> values, int n) {
    return values.subList(values.size() - n, values.size()).stream()
        .mapToDouble(Double::doubleValue).toArray();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
