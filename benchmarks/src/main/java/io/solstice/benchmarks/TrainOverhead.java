package io.solstice.benchmarks;

import io.solstice.benchmarks.internal.DedicatedThread;
import io.solstice.benchmarks.internal.InlinedMlp;
import io.solstice.benchmarks.internal.Interleaved;
import io.solstice.benchmarks.internal.Json;
import io.solstice.benchmarks.internal.Models;
import io.solstice.benchmarks.internal.StepSplit;
import io.solstice.benchmarks.internal.Summary;
import io.solstice.benchmarks.internal.SyntheticMnist;
import io.solstice.benchmarks.internal.Timer;
import io.solstice.benchmarks.internal.TradedModels;
import io.solstice.core.TensorBatch;
import io.solstice.core.models.MlpClassifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.function.DoubleSupplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The engine's overhead: samples/s of an engine run ({@code Solstice.run(model).train(...)}) over in-memory batches divided by
 * a plain {@code for} loop (on one dedicated, long-lived thread) calling the same {@link MlpClassifier#trainStep} on the same batches
 * (MLP 784-256-10, batch 128, float32, Adam). One sample of each side is one epoch (one
 * run per epoch). The same two sides with each step call timed split the gap into time between
 * steps and the step calls' own speed; a further comparison runs four epochs per run, another
 * compares a run on a borrowed training thread (the default) with the same run on a new thread
 * of its own. The two sides of each of these comparisons trade two copies of the model after
 * every pair ({@link TradedModels}).
 */
public final class TrainOverhead {

  /** Rows per batch. */
  public static final int BATCH = 128;

  /** Epochs per run in the second comparison, which separates per-run from per-step cost. */
  static final int LONG_RUN_EPOCHS = 4;

  private TrainOverhead() {}

  /**
   * Runs the comparison.
   *
   * @param config sizes and pair counts
   * @return {@code overhead_vs_raw_nd4j} and the details
   */
  public static Json.Obj run(BenchConfig config) {
    SyntheticMnist.Data data = SyntheticMnist.generate(config.trainRows(), 1, 7);
    List<TensorBatch> batches = data.batches(BATCH);
    double samples = (double) batches.size() * BATCH;
    TradedModels models = new TradedModels(() -> Models.mlp(SyntheticMnist.FEATURES, 256, 10));
    MlpClassifier[] plain = {Models.mlp(SyntheticMnist.FEATURES, 256, 10)};
    Interleaved.Comparison comparison;
    Summary mainThread;
    try (DedicatedThread loopThread = new DedicatedThread("plain-loop")) {
      comparison = Interleaved.compare(config.engineWarmupPairs(batches.size()), config.overheadPairs(),
          () -> Timer.throughput(samples, () -> models.trainA(model -> Models.engineEpoch(model, batches))),
          loopThread.wrap(() -> Timer.throughput(samples,
              () -> models.trainB(model -> Models.plainEpoch(model, batches)))));
    }
    // Where the gap is: the same two sides with each step call timed, so that the time the engine
    // adds between steps and a slowdown of the step calls themselves show apart.
    StepSplit engineSplit = new StepSplit();
    StepSplit plainSplit = new StepSplit();
    Interleaved.Comparison timedSteps;
    try (DedicatedThread loopThread = new DedicatedThread("plain-loop")) {
      DoubleSupplier engineSide = () -> Timer.throughput(samples,
          () -> models.trainA(model -> engineSplit.engineEpoch(model, batches)));
      DoubleSupplier plainSide = loopThread.wrap(() -> Timer.throughput(samples,
          () -> models.trainB(model -> plainSplit.plainEpoch(model, batches))));
      for (int i = 0; i < Math.min(3, config.warmupPairs()); i++) {
        engineSide.getAsDouble();
        plainSide.getAsDouble();
      }
      engineSplit.clear();
      plainSplit.clear();
      timedSteps = Interleaved.compare(0, config.pairs(), engineSide, plainSide);
    }
    // The same comparison with four epochs per run: what is left of the gap is per step.
    Interleaved.Comparison longRuns;
    try (DedicatedThread loopThread = new DedicatedThread("plain-loop")) {
      longRuns = Interleaved.compare(Math.min(3, config.warmupPairs()), config.overheadPairs(),
          () -> Timer.throughput(LONG_RUN_EPOCHS * samples,
              () -> models.trainA(model -> Models.engineEpochs(model, batches, LONG_RUN_EPOCHS))),
          loopThread.wrap(() -> Timer.throughput(LONG_RUN_EPOCHS * samples, () -> models.trainB(model -> {
            MlpClassifier trained = model;
            for (int e = 0; e < LONG_RUN_EPOCHS; e++) {
              trained = Models.plainEpoch(trained, batches);
            }
            return trained;
          }))));
    }
    // A run on a borrowed training thread (the default) against the same run on a thread of its
    // own (a step thread factory, as every run had before the cache of idle threads): what a
    // run saves by not starting its thread.
    ThreadFactory newThread = work -> {
      Thread thread = new Thread(work, "solstice-step-own");
      thread.setDaemon(true);
      return thread;
    };
    Interleaved.Comparison borrowedVsNew = Interleaved.compare(config.warmupPairs(),
        config.overheadPairs(),
        () -> Timer.throughput(samples, () -> models.trainA(model -> Models.engineEpoch(model, batches))),
        () -> Timer.throughput(samples, () -> models.trainB(model -> Models.engineEpochs(model,
            batches, 1, run -> run.stepThreadFactory(newThread)))));
    // The model class against the same math inlined (no label read-back, no metrics).
    List<INDArray> features = new ArrayList<>();
    List<INDArray> oneHot = new ArrayList<>();
    for (int i = 0; i < batches.size(); i++) {
      features.add(batches.get(i).features());
      oneHot.add(data.oneHot(i * BATCH, BATCH));
    }
    InlinedMlp inlined = new InlinedMlp(SyntheticMnist.FEATURES, 256, 10, Models.LEARNING_RATE);
    Interleaved.Comparison modelVsInlined;
    try (DedicatedThread loopThread = new DedicatedThread("plain-loop")) {
      modelVsInlined = Interleaved.compare(config.warmupPairs(), config.pairs(),
          loopThread.wrap(() -> Timer.throughput(samples,
              () -> plain[0] = Models.plainEpoch(plain[0], batches))),
          loopThread.wrap(() -> Timer.throughput(samples, () -> inlined.epoch(features, oneHot))));
    }
    // The same plain loop on the JVM's main thread, for the record (see DedicatedThread).
    mainThread = Interleaved.measure(0, Math.min(3, config.pairs()),
        () -> Timer.throughput(samples, () -> plain[0] = Models.plainEpoch(plain[0], batches)));
    return Json.obj()
        .put("model", "MlpClassifier 784-256-10, Adam(1e-3), float32")
        .put("batch", BATCH)
        .put("batches_per_epoch", batches.size())
        .put("warmup_pairs", config.engineWarmupPairs(batches.size()))
        .put("comparison", comparison.toJson(
            "Solstice.run(model).train(Flux.fromIterable(batches))",
            "for loop over MlpClassifier.trainStep on one dedicated thread", "samples_per_s"))
        .put("timed_steps", timedSteps.toJson("the engine run, its StepEnded step times summed",
            "the plain loop, System.nanoTime() around each step", "samples_per_s"))
        .put("engine_steps_vs_plain_steps", engineSplit.stepTimeRatio(plainSplit).toJson())
        .put("engine_between_steps_us", engineSplit.betweenStepsMicros().toJson())
        .put("plain_between_steps_us", plainSplit.betweenStepsMicros().toJson())
        .put("four_epoch_runs", longRuns.toJson(
            "Solstice.run(model), " + LONG_RUN_EPOCHS + " epochs per run",
            "the plain loop, " + LONG_RUN_EPOCHS + " epochs", "samples_per_s"))
        .put("overhead_four_epoch_runs", longRuns.ratio().median())
        .put("borrowed_vs_new_thread", borrowedVsNew.toJson(
            "Solstice.run(model), 1 epoch, on a borrowed training thread (the default)",
            "the same on a new thread of its own (stepThreadFactory)", "samples_per_s"))
        .put("borrowed_vs_new_training_thread", borrowedVsNew.ratio().median())
        .put("plain_loop_on_main_thread_samples_per_s", mainThread.toJson())
        .put("model_vs_inlined", modelVsInlined.toJson(
            "for loop over MlpClassifier.trainStep",
            "the same math inlined (InlinedMlp: one-hot labels in ND4J, no loss/metrics read-back)",
            "samples_per_s"))
        .put("overhead_vs_inlined_gemm_loop", comparison.ratio().median()
            * modelVsInlined.ratio().median())
        .put("overhead_vs_raw_nd4j", comparison.ratio().median());
  }
}
