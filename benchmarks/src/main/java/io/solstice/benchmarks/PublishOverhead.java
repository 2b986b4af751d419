package io.solstice.benchmarks;

import io.solstice.benchmarks.internal.Interleaved;
import io.solstice.benchmarks.internal.Json;
import io.solstice.benchmarks.internal.Models;
import io.solstice.benchmarks.internal.SyntheticMnist;
import io.solstice.benchmarks.internal.Timer;
import io.solstice.benchmarks.internal.TradedModels;
import io.solstice.core.TensorBatch;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.ModelPublisher;
import io.solstice.reactive.Solstice;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * The cost of live model publication: samples/s of an engine run that publishes its model
 * every {@value #EVERY} steps ({@code ModelPublisher}) divided by the same run without
 * publication (MLP 784-256-10, batch 128, float32, Adam; {@value #EPOCHS_PER_RUN} epochs per
 * run, so that what a run pays once, a private copy of the model to rebuild versions from,
 * weighs as little as in a long online run; interleaved pairs).
 * The headline ratio is what the step pays: the copy of the model's state on the training thread,
 * with no subscriber. A second comparison adds one subscriber of the versions, which rebuilds
 * each version on its own thread as a predictor would, and so competes with the step for the
 * cores. The two sides trade two copies of the model after every pair ({@link TradedModels}).
 */
public final class PublishOverhead {

  /** Train steps between publications. */
  public static final int EVERY = 10;

  /** Epochs in each run. */
  static final int EPOCHS_PER_RUN = 4;

  private PublishOverhead() {}

  /**
   * Runs the comparisons.
   *
   * @param config sizes and pair counts
   * @return {@code publish_every_10_vs_none} and the details
   */
  public static Json.Obj run(BenchConfig config) {
    SyntheticMnist.Data data = SyntheticMnist.generate(config.trainRows(), 1, 7);
    List<TensorBatch> batches = data.batches(TrainOverhead.BATCH);
    double samples = (double) EPOCHS_PER_RUN * batches.size() * TrainOverhead.BATCH;
    TradedModels models = new TradedModels(() -> Models.mlp(SyntheticMnist.FEATURES, 256, 10));
    LongAdder published = new LongAdder();
    LongAdder received = new LongAdder();
    LongAdder runs = new LongAdder();
    DoubleSupplier withoutPublication = () -> Timer.throughput(samples, () -> models.trainB(
        model -> Solstice.run(model).train(Flux.fromIterable(batches)).epochs(EPOCHS_PER_RUN).block()));
    Interleaved.Comparison publisherOnly = Interleaved.compare(config.warmupPairs(), config.pairs(),
        () -> Timer.throughput(samples, () -> models.trainA(model -> {
          ModelPublisher<MlpClassifier> publisher = ModelPublisher.everySteps(EVERY);
          MlpClassifier trained = Solstice.run(model).train(Flux.fromIterable(batches)).epochs(EPOCHS_PER_RUN)
              .subscribers(publisher).block();
          published.add(publisher.published());
          runs.increment();
          return trained;
        })),
        withoutPublication);
    Interleaved.Comparison withSubscriber = Interleaved.compare(config.warmupPairs(), config.pairs(),
        () -> Timer.throughput(samples, () -> models.trainA(model -> {
          ModelPublisher<MlpClassifier> publisher = ModelPublisher.everySteps(EVERY);
          Disposable predictor = publisher.versions().subscribe(version -> received.increment());
          try {
            return Solstice.run(model).train(Flux.fromIterable(batches)).epochs(EPOCHS_PER_RUN)
                .subscribers(publisher).block();
          } finally {
            predictor.dispose();
          }
        })),
        withoutPublication);
    return Json.obj()
        .put("model", "MlpClassifier 784-256-10, Adam(1e-3), float32")
        .put("batch", TrainOverhead.BATCH)
        .put("batches_per_epoch", batches.size())
        .put("epochs_per_run", EPOCHS_PER_RUN)
        .put("publish_every_steps", EVERY)
        .put("versions_published_per_run", published.sum() / (double) runs.sum())
        .put("comparison", publisherOnly.toJson(
            "Solstice.run(...).subscribers(ModelPublisher.everySteps(" + EVERY + "))",
            "Solstice.run(...) without publication", "samples_per_s"))
        .put("with_one_subscriber", withSubscriber.toJson(
            "the same with one versions() subscriber rebuilding each version",
            "Solstice.run(...) without publication", "samples_per_s"))
        .put("versions_received_per_run", received.sum() / (double) (config.warmupPairs() + config.pairs()))
        .put("publish_every_10_with_subscriber_vs_none", withSubscriber.ratio().median())
        .put("publish_every_10_vs_none", publisherOnly.ratio().median());
  }
}
